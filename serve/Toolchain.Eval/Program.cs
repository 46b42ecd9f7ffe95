using Spectre.Console;
using Toolchain.Eval;

return await EvalCommand.Create(Evaluate).Parse(args).InvokeAsync();

static async Task<int> Evaluate(EvalOptions options, CancellationToken cancel)
{
    try
    {
        await Evaluator.RunAsync(options, AnsiConsole.Console, cancel);
        return 0;
    }
    catch (EvalException e)
    {
        Console.Error.WriteLine($"toolchain-eval: {e.Message}");
        return 1;
    }
}

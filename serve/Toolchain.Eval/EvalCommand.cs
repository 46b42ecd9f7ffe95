using System.CommandLine;

namespace Toolchain.Eval;

/// <summary>The toolchain-eval command line, parsed into <see cref="EvalOptions"/>.</summary>
public static class EvalCommand
{
    public static RootCommand Create(Func<EvalOptions, CancellationToken, Task<int>> run)
    {
        var model = new Option<string>("--model") { Description = "name of the served model to evaluate", Required = true };
        var url = new Option<Uri>("--url")
        {
            Description = "base URL of the inference server",
            DefaultValueFactory = _ => new Uri(EvalOptions.DefaultUrl),
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                    return uri;
                result.AddError($"--url: expected an absolute http:// or https:// URL, got '{text}'");
                return null;
            },
        };
        var data = new Option<string>("--data")
        {
            Description = $"folder holding {TestSet.ImagesFile} and {TestSet.LabelsFile}",
            DefaultValueFactory = _ => EvalOptions.DefaultDataDirectory,
        };
        var batch = new Option<int>("--batch") { Description = "images per infer request", DefaultValueFactory = _ => EvalOptions.DefaultBatchSize };
        batch.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError($"--batch: expected a positive number of images per request, got {result.GetValueOrDefault<int>()}");
        });
        var output = new Option<string?>("--out") { Description = "where to write the JSON report (default runs/<model>/eval.json)" };
        var labels = new Option<string?>("--labels") { Description = "class labels, one a line, when the server's model metadata has none" };

        var root = new RootCommand("Evaluates a served classifier on the held-out set: accuracy, per-class precision/recall, confusion matrix.")
        {
            model, url, data, batch, output, labels,
        };
        root.SetAction((parsed, cancel) =>
        {
            var name = parsed.GetValue(model)!;
            return run(new EvalOptions(
                name,
                parsed.GetValue(url)!,
                parsed.GetValue(data)!,
                parsed.GetValue(batch),
                parsed.GetValue(output) ?? EvalOptions.DefaultOutputPath(name),
                parsed.GetValue(labels)), cancel);
        });
        return root;
    }
}

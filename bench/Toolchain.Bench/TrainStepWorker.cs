namespace Toolchain.Bench;

/// <summary>Steady-state train-step throughput of the product path (<see cref="TrainingSetup"/>) on random data.</summary>
public static class TrainStepWorker
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch"), threads = args.Int("threads");
        var variant = args.String("variant", "baseline");
        using var setup = TrainingSetup.Create(args.String("recipe"), batch, threads, variant);
        long step = 0;
        return Worker.Serve(() => setup.Step(++step), batch, args.Double("warmup", 1.0),
            new { ready = true, tool = "toolchain", model = setup.Recipe.Name, batch, threads, variant,
                  parameters = setup.Artifacts.Manifest.Parameters.Sum(p => p.ElementCount), nodes = setup.Artifacts.TrainStep.Graph.Node.Count });
    }
}

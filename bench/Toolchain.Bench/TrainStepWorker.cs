namespace Toolchain.Bench;

/// <summary>Steady-state train-step throughput of the product path (<see cref="TrainingSetup"/>) on random data.</summary>
public static class TrainStepWorker
{
    public static int Run(Arguments args)
    {
        int batch = args.Int("batch"), threads = args.Int("threads");
        var variant = args.String("variant", "baseline");
        // --spinning 0|1 replaces the trainer's session options by the same ones plus ONNX Runtime's
        // session.intra_op.allow_spinning, to measure the thread pool's spin-waiting.
        // --optimization all|extended replaces the trainer's graph optimization level (all adds the layout transformations).
        var spinning = args.String("spinning", "");
        var optimization = args.String("optimization", "trainer");
        using var options = spinning.Length == 0 && optimization == "trainer" ? null : TrainingSetup.SessionOptionsLikeTrainer(threads, spinning, optimization);
        var device = args.String("device", "cpu");
        using var setup = TrainingSetup.Create(args.String("recipe"), batch, threads, variant, options, device);
        // --prefetch no prepares each batch on the step's own thread instead of the trainer's prefetch thread.
        setup.Prefetch = args.String("prefetch", "yes") == "yes";
        long step = 0;
        return Worker.Serve(() => setup.Step(++step), batch, args.Double("warmup", 1.0),
            new { ready = true, tool = "toolchain", model = setup.Recipe.Name, batch, threads, device, prefetch = setup.Prefetch, variant, spinning, optimization,
                  parameters = setup.Artifacts.Manifest.Parameters.Sum(p => p.ElementCount), nodes = setup.Artifacts.TrainStep.Graph.Node.Count });
    }
}

using Toolchain.Bench;

// toolchain-bench: the C# side of bench/run.sh. Every command prints JSON lines on stdout; the
// persistent workers (train-step, infer) then answer "run SECONDS" lines on stdin, so the driver can
// alternate them with their PyTorch peers measurement by measurement.
var arguments = Arguments.Parse(args.Skip(1));
try
{
    return args.FirstOrDefault() switch
    {
        "train-step" => TrainStepWorker.Run(arguments),
        "infer" => InferenceWorker.Run(arguments),
        "first-step" => FirstStep.Run(arguments),
        "profile" => StepProfile.Run(arguments),
        "graph-stats" => GraphStats.Run(arguments),
        "check-variant" => VariantCheck.Run(arguments),
        "device-check" => DeviceCheck.Run(arguments),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"toolchain-bench: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: toolchain-bench COMMAND [--key value ...]
          train-step  --recipe PATH --batch N --threads T [--variant NAME] [--device cpu|cuda]   worker: answers "run SECONDS" on stdin
          infer       --model PATH --batch N --threads T                     worker: in-process ONNX Runtime inference
          first-step  --recipe PATH                                          phases from process start to the first step
          profile     --recipe PATH --batch N --threads T --steps S --out DIR   ONNX Runtime per-node profile of the train step
          graph-stats --recipe PATH [--variant V] [--onnx FILE] [--list yes]  op counts (and nodes) of the generated train step
          check-variant --recipe PATH --variant V [--batch N --steps S]       losses of a graph rewrite against the baseline
          device-check --recipe PATH [--device cuda --batch N --steps S]      the same steps on the CPU and on the device, compared
        """);
    return 2;
}

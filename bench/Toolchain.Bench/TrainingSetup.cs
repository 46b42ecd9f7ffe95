using Microsoft.ML.OnnxRuntime;
using Toolchain.Onnx;
using Toolchain.Recipes;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Layers;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;
using Toolchain.Train.Training;

namespace Toolchain.Bench;

/// <summary>
/// The trainer's own path up to its first step, on random data: recipe (with batch size and threads
/// overridden as `--training.batch_size` / `--training.threads` would), forward model, artifacts generated
/// and saved as the trainer saves them, the fused train-step session, double-buffered parameter state and
/// <see cref="TrainStepRunner"/>. Owns all of it.
/// </summary>
public sealed class TrainingSetup : IDisposable
{
    private readonly List<IDisposable> owned = [];

    public required Recipe Recipe { get; init; }
    public required TrainingArtifacts Artifacts { get; init; }
    public required string Directory { get; init; }
    public required TrainStepRunner Runner { get; init; }
    public required InferenceSession Session { get; init; }
    public required RandomBatches Data { get; init; }
    public required ParameterState State { get; init; }

    public static Recipe LoadRecipe(string path, int batch, int threads, string device = "cpu") =>
        RecipeLoader.Load(path, [new("training.batch_size", batch.ToString()), new("training.threads", threads.ToString()), new("training.device", device)]);

    /// <summary>Generates and saves the artifacts exactly as <c>Trainer</c> does.</summary>
    public static TrainingArtifacts Generate(Recipe recipe, string recipePath, string directory)
    {
        var forward = ForwardModelBuilder.Build(recipe.Model, recipe.Training.Seed, Path.GetDirectoryName(Path.GetFullPath(recipePath))!);
        var artifacts = ArtifactGenerator.For(recipe, OptimizerFactory.Create(recipe.Optimizer)).Generate(forward, recipe.Model.Forward ?? "recipe layers");
        artifacts.Save(directory);
        return artifacts;
    }

    /// <param name="variant">A graph rewrite from <see cref="GraphVariants"/> applied to the train step (baseline: none).</param>
    /// <param name="options">Session options (profiling); null uses the trainer's own <see cref="SessionFactory"/>.</param>
    /// <param name="device">cpu, or cuda with parameters and optimizer state in GPU memory as the trainer keeps them.</param>
    public static TrainingSetup Create(string recipePath, int batch, int threads, string variant = "baseline", SessionOptions? options = null,
        string device = "cpu")
    {
        var recipe = LoadRecipe(recipePath, batch, threads, device);
        var directory = System.IO.Directory.CreateTempSubdirectory("toolchain-bench-").FullName;
        var artifacts = Generate(recipe, recipePath, directory);
        var stepPath = Path.Combine(directory, ArtifactNames.TrainStepFile);
        if (variant != "baseline")
        {
            stepPath = Path.Combine(directory, $"train_step.{variant}.onnx");
            OnnxModelFile.Save(GraphVariants.Apply(variant, OnnxModelFile.Load(Path.Combine(directory, ArtifactNames.TrainStepFile))), stepPath);
        }
        var session = options is null ? SessionFactory.Create(stepPath, device, threads) : new InferenceSession(stepPath, options);
        var deviceMemory = device == "cpu" ? null : new DeviceMemory(device);
        var state = new ParameterState(artifacts.Manifest, artifacts.InitialParameters, null, deviceMemory);
        var runner = new TrainStepRunner(session, artifacts.Manifest, state, OptimizerFactory.Create(recipe.Optimizer));
        var data = new RandomBatches(artifacts.Manifest, batch, classes: 10, seed: 1);
        var setup = new TrainingSetup { Recipe = recipe, Artifacts = artifacts, Directory = directory, Runner = runner, Session = session, Data = data, State = state };
        setup.owned.AddRange([runner, state, session]);
        if (deviceMemory is not null) setup.owned.Add(deviceMemory);
        return setup;
    }

    /// <summary>The trainer's session options (<see cref="SessionFactory.CpuOptions"/>), with session.intra_op.allow_spinning
    /// set when <paramref name="allowSpinning"/> is given and the optimization level replaced when <paramref name="optimization"/> is.</summary>
    /// <param name="optimization">"trainer" (the trainer's level), "all" (adds ONNX Runtime's layout transformations such as
    /// NCHWc, which reorder tensors around the forward MaxPools of fashion-cnn) or "extended".</param>
    public static SessionOptions SessionOptionsLikeTrainer(int threads, string allowSpinning, string optimization = "trainer")
    {
        var options = SessionFactory.CpuOptions(threads);
        options.GraphOptimizationLevel = optimization switch
        {
            "trainer" => options.GraphOptimizationLevel,
            "all" => GraphOptimizationLevel.ORT_ENABLE_ALL,
            "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            _ => throw new ArgumentException($"--optimization: expected trainer, all or extended, got '{optimization}'"),
        };
        if (allowSpinning.Length > 0) options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning);
        return options;
    }

    /// <summary>Whether each step prefetches the next batch on the prefetch thread, as the trainer does.</summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>One optimizer step on the next random batch; returns the loss.</summary>
    public float Step(long step)
    {
        var batch = Data.Next();
        return Runner.Step(Data.Features, Data.Labels, batch, 1e-3f, step, Prefetch ? Data.Following() : []);
    }

    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

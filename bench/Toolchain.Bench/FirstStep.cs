using System.Diagnostics;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Optimizers;
using Toolchain.Train.Training;

namespace Toolchain.Bench;

/// <summary>
/// Time to the first optimizer step in a fresh process, phase by phase, following Trainer.Run: runtime
/// start-up (process start to Main), recipe, data (the real Fashion-MNIST files), artifact generation
/// and saving, the eval and train-step sessions, parameter state, the first step, and a second step for
/// comparison with the steady state.
/// </summary>
public static class FirstStep
{
    public static int Run(Arguments args)
    {
        var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        var atMain = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var phases = new Dictionary<string, double> { ["runtime_start_ms"] = (atMain - processStart).TotalMilliseconds };
        void Mark(string phase) { phases[phase] = clock.Elapsed.TotalMilliseconds; clock.Restart(); }

        var recipePath = args.String("recipe");
        var recipe = Toolchain.Recipes.RecipeLoader.Load(recipePath);
        Mark("recipe_ms");
        var data = TrainingData.Load(recipe, Path.GetDirectoryName(Path.GetFullPath(recipePath)));
        Mark("data_ms");
        var directory = Directory.CreateTempSubdirectory("toolchain-bench-").FullName;
        try
        {
            var artifacts = TrainingSetup.Generate(recipe, recipePath, directory);
            Mark("artifacts_ms");
            using var state = new ParameterState(artifacts.Manifest, artifacts.InitialParameters, null);
            using var evalSession = SessionFactory.Create(Path.Combine(directory, ArtifactNames.EvalFile), "cpu", recipe.Training.Threads);
            Mark("eval_session_ms");
            using var session = SessionFactory.Create(Path.Combine(directory, ArtifactNames.TrainStepFile), "cpu", recipe.Training.Threads);
            Mark("train_session_ms");
            using var runner = new TrainStepRunner(session, artifacts.Manifest, state, OptimizerFactory.Create(recipe.Optimizer));
            var order = new int[data.TrainCount];
            Trainer.ShuffleForEpoch(order, recipe.Training.Seed, 1);
            int batch = recipe.Training.BatchSize;
            runner.Step(data.TrainFeatures, data.TrainLabels, order.AsSpan(0, batch), (float)recipe.Optimizer.Lr, 1, order.AsSpan(batch, batch));
            Mark("first_step_ms");
            runner.Step(data.TrainFeatures, data.TrainLabels, order.AsSpan(batch, batch), (float)recipe.Optimizer.Lr, 2, []);
            Mark("second_step_ms");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        var total = (DateTime.UtcNow - processStart).TotalMilliseconds - phases["second_step_ms"];
        Json.Emit(new { model = recipe.Name, phases, process_start_to_first_step_ms = total });
        return 0;
    }
}

using Toolchain.Checkpoints;
using Toolchain.Recipes;
using Toolchain.Tests.Support;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Training;

/// <summary>Runs the trainer on a recipe text and synthetic data in a temp folder, with optional overrides.</summary>
internal static class TrainerRunner
{
    public const string Recipe = """
        name: synthetic
        model:
          input_shape: [6]
          layers:
            - { type: linear, units: 16, name: fc1 }
            - { type: tanh }
            - { type: linear, units: 3, name: fc2 }
        optimizer: { name: adam, lr: 0.01 }
        training: { batch_size: 16, epochs: 3, seed: 5 }
        """;

    public static TrainingData Data(int train = 320, int validation = 96) => SyntheticData.Clusters(3, 6, train, validation, 0.9, seed: 9);

    public static TrainingSummary Train(string runDirectory, TrainingData data, params (string Key, string Value)[] overrides) =>
        Train(runDirectory, data, resume: false, default, overrides);

    public static TrainingSummary Train(string runDirectory, TrainingData data, bool resume, CancellationToken cancel, params (string Key, string Value)[] overrides)
    {
        var recipe = RecipeLoader.Parse(Recipe, "synthetic.yaml", overrides.Select(o => new KeyValuePair<string, string>(o.Key, o.Value)).ToList());
        return new Trainer(recipe, data, new TrainerOptions(runDirectory, runDirectory, TextWriter.Null, Resume: resume, Cancellation: cancel)).Run();
    }

    public static float[] Weights(string checkpoint, string name = "fc1.weight") => Checkpoint.Load(checkpoint).Tensors[name].Data;
}

using Toolchain.Train.Training;

namespace Toolchain.Tests.Support;

/// <summary>Small synthetic classification sets: Gaussian clusters around random centres, one per class.</summary>
public static class SyntheticData
{
    public static TrainingData Clusters(int classes, int features, int trainCount, int validationCount, double spread, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, classes).Select(_ => Enumerable.Range(0, features).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();
        (float[] X, float[] Y) Sample(int count)
        {
            var x = new float[count * features];
            var y = new float[count];
            for (int i = 0; i < count; i++)
            {
                int c = random.Next(classes);
                y[i] = c;
                for (int f = 0; f < features; f++) x[i * features + f] = (float)(centres[c][f] + spread * Gaussian(random));
            }
            return (x, y);
        }
        var train = Sample(trainCount);
        var validation = Sample(validationCount);
        return new TrainingData
        {
            SampleShape = [features],
            TrainFeatures = train.X,
            TrainLabels = train.Y,
            ValidationFeatures = validation.X,
            ValidationLabels = validation.Y,
            Mean = [0f],
            Std = [1f],
            ClassNames = Enumerable.Range(0, classes).Select(c => $"class{c}").ToList(),
        };
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

using NUnit.Framework;
using Toolchain.Train.Optimizers;

namespace Toolchain.Tests.Optimizers;

/// <summary>
/// Runs each optimizer's ONNX update graph on ONNX Runtime for several steps on random gradients, feeding
/// its outputs back as inputs, and compares parameters and state after every step with an independent
/// double-precision implementation of PyTorch's algorithm.
/// </summary>
[TestFixture]
public sealed class OptimizerMatchesPyTorchTests
{
    private const int Steps = 8;
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;

    private static readonly ParameterSpec[] Parameters =
    [
        new("weight", [3, 4], Decays: true),
        new("bias", [4], Decays: false),
        new("kernel", [2, 3, 2], Decays: true),
    ];

    [TestCaseSource(typeof(OptimizerCases), nameof(OptimizerCases.All))]
    public void Onnx_update_matches_the_reference_over_several_steps(OptimizerCase c)
    {
        var random = new Random(20240605);
        var initial = Parameters.Select(p => Gaussian(random, p.Size, 1.0)).ToArray();
        var optimizer = OptimizerFactory.Create(c.Section);
        using var graph = new OptimizerGraph(optimizer, Parameters, initial);
        var reference = OptimizerCases.ReferenceFor(c.Section);
        var expected = initial.Select(v => v.Select(x => (double)x).ToArray()).ToArray();
        var decays = Parameters.Select(p => p.Decays).ToArray();

        for (int t = 1; t <= Steps; t++)
        {
            // A learning rate that changes every step, as a schedule would feed it.
            float lr = (float)(c.Lr * (1 - 0.05 * (t - 1)));
            var grads = Parameters.Select(p => Gaussian(random, p.Size, 0.5 + 0.25 * t)).ToArray();
            graph.Step(grads, lr, t);
            reference.Step(expected, grads.Select(g => g.Select(x => (double)x).ToArray()).ToArray(), decays, lr);

            for (int i = 0; i < Parameters.Length; i++)
            {
                AssertClose(graph.Parameter(i), expected[i], $"{c.Label}: step {t}, parameter '{Parameters[i].Name}'");
                var referenceState = reference.State(i);
                Assert.That(optimizer.StateNames, Is.EquivalentTo(referenceState.Keys),
                    $"{c.Label}: state names (PyTorch's state-dict keys)");
                foreach (var (name, values) in referenceState)
                    AssertClose(graph.State(i, name), values, $"{c.Label}: step {t}, state '{name}' of '{Parameters[i].Name}'");
            }
        }
    }

    [Test]
    public void Every_registered_optimizer_has_a_test_case()
    {
        var covered = OptimizerCases.Cases.Select(c => c.Section.Name).ToHashSet();
        var missing = OptimizerFactory.Names.Where(n => !covered.Contains(n)).ToList();
        Assert.That(missing, Is.Empty, "optimizers registered in OptimizerFactory without a case in OptimizerCases");
    }

    /// <summary>
    /// |actual − expected| ≤ 1e-6 + 1e-5·(|expected| + rms(expected)): relative to the element and to the
    /// tensor's scale, because float32 sums of large terms (a momentum buffer of ±g/√v) round relative
    /// to the terms, not to a small result.
    /// </summary>
    private static void AssertClose(float[] actual, double[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        double scale = Math.Sqrt(expected.Sum(e => e * e) / Math.Max(1, expected.Length));
        int worst = -1;
        double worstExcess = 0;
        for (int k = 0; k < actual.Length; k++)
        {
            double allowed = AbsoluteTolerance + RelativeTolerance * (Math.Abs(expected[k]) + scale);
            double excess = Math.Abs(actual[k] - expected[k]) - allowed;
            if (!(excess <= worstExcess)) (worst, worstExcess) = (k, double.IsNaN(excess) ? double.PositiveInfinity : excess);
        }
        if (worst >= 0)
            Assert.Fail($"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} " +
                $"(tolerance {AbsoluteTolerance} + {RelativeTolerance}·(|expected| + {scale:G4}))");
    }

    private static float[] Gaussian(Random random, int count, double scale)
    {
        var values = new float[count];
        for (int k = 0; k < count; k++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            values[k] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }
}

using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Tests.Support;
using Toolchain.Train.Autodiff;

namespace Toolchain.Tests.Autodiff;

/// <summary>Every gradient rule against central finite differences of the same ONNX graph, run on ONNX Runtime.</summary>
public sealed class GradientRuleTests
{
    private static IEnumerable<GradientRuleCase> Cases => GradientRuleCases.All();

    [TestCaseSource(nameof(Cases))]
    public void Rule_matches_finite_differences(GradientRuleCase testCase)
    {
        var random = new Random(StableSeed(testCase.Name));
        var g = new GraphBuilder("fd");
        var inputs = testCase.Inputs.Select((i, k) => g.Input(i.Name, ElementType.Float, Dims(i.Shape, k, testCase))).ToArray();
        var y = testCase.Body(g, inputs);
        // A random linear readout makes every output element matter with a different weight.
        var yShape = ProbeOutputShape(testCase);
        var readout = Enumerable.Range(0, (int)yShape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var loss = g.ReduceSumAll(g.Mul(y, g.Constant(readout, yShape)));
        var gradients = ReverseModeDifferentiator.Gradients(g, loss, inputs);
        g.Output(loss, "loss");
        foreach (var input in inputs) g.Output(gradients[input.Name], input.Name + ".grad");
        using var runner = new OnnxRunner(g.ToModel());

        var values = testCase.Inputs.ToDictionary(i => i.Name, i => (Data: RandomValues(random, i.Shape, i.Values), i.Shape));
        var analytic = runner.Run(values);
        const float eps = 1e-2f;
        foreach (var name in testCase.Inputs.Select(i => i.Name))
        {
            var data = values[name].Data;
            var grad = analytic[name + ".grad"];
            Assert.That(grad, Has.Length.EqualTo(data.Length), $"{name}.grad has the wrong number of elements");
            for (int k = 0; k < data.Length; k++)
            {
                var original = data[k];
                data[k] = original + eps;
                double plus = runner.Run(values)["loss"][0];
                data[k] = original - eps;
                double minus = runner.Run(values)["loss"][0];
                data[k] = original;
                double numeric = (plus - minus) / (2 * eps);
                Assert.That(grad[k], Is.EqualTo(numeric).Within(2e-3 + 5e-3 * Math.Abs(numeric)),
                    $"{testCase.Name}: d loss / d {name}[{k}] analytic {grad[k]} vs numeric {numeric}");
            }
        }
    }

    [Test]
    public void Every_registered_rule_has_a_finite_difference_case()
    {
        var covered = GradientRuleCases.All().Select(c => c.OpType).ToHashSet();
        Assert.That(GradientRules.Table.Keys.Where(op => !covered.Contains(op)), Is.Empty, "rules without a finite-difference case");
    }

    [Test]
    public void Missing_rules_are_reported_all_at_once_with_node_names()
    {
        var g = new GraphBuilder("missing");
        var x = g.Input("x", ElementType.Float, 2, 3);
        var y = g.Op("Cos", g.Op("Sin", x));
        var loss = g.ReduceSumAll(g.Op("Floor", y));
        var error = Assert.Throws<GradientException>(() => ReverseModeDifferentiator.Gradients(g, loss, [x]));
        Assert.That(error!.Message, Does.Contain("Sin").And.Contain("Cos").And.Contain("Floor").And.Contain("Sin_node"));
    }

    /// <summary>FNV-1a of the case name: the same values on every run (string.GetHashCode differs per process).</summary>
    private static int StableSeed(string name) => (int)(name.Aggregate(2166136261u, (h, ch) => (h ^ ch) * 16777619u) & 0x7fffffff);

    /// <summary>The declared shape of input <paramref name="index"/>: static, all unknown, or with the first input's batch symbolic.</summary>
    private static Dim[] Dims(long[] shape, int index, GradientRuleCase testCase) =>
        testCase.UnknownShapes ? shape.Select(_ => Dim.Unknown).ToArray()
        : testCase.SymbolicBatch && index == 0 && shape.Length > 1 ? shape.Select((d, k) => k == 0 ? Dim.Named("N") : (Dim)d).ToArray()
        : shape.Select(d => (Dim)d).ToArray();

    /// <summary>Runs the forward part once to learn the output's shape.</summary>
    private static long[] ProbeOutputShape(GradientRuleCase testCase)
    {
        var g = new GraphBuilder("probe");
        var inputs = testCase.Inputs.Select(i => g.Input(i.Name, ElementType.Float, i.Shape.Select(d => (Dim)d).ToArray())).ToArray();
        var y = testCase.Body(g, inputs);
        g.Output(g.Cast(g.Shape(y), ElementType.Float), "y_shape");
        using var runner = new OnnxRunner(g.ToModel());
        var outputs = runner.Run(testCase.Inputs.ToDictionary(i => i.Name, i => (new float[i.Shape.Aggregate(1L, (a, b) => a * b)], i.Shape)));
        return outputs["y_shape"].Select(v => (long)v).ToArray();
    }

    private static float[] RandomValues(Random random, long[] shape, InputValues kind)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        if (kind == InputValues.Distinct)
        {
            // Odd multiples of 0.025 around 0, shuffled: any two are 0.05 apart, and every multiple of 0.05 is 0.025 away.
            var grid = Enumerable.Range(0, values.Length).Select(j => (float)(0.025 + 0.05 * (j - values.Length / 2))).ToArray();
            random.Shuffle(grid);
            return grid;
        }
        for (int k = 0; k < values.Length; k++)
        {
            // Keep away from kinks (Relu, Abs at 0) so central differences stay valid.
            double magnitude = 0.2 + random.NextDouble() * 0.8;
            values[k] = (float)(kind == InputValues.Positive || random.Next(2) == 0 ? magnitude : -magnitude);
        }
        return values;
    }
}

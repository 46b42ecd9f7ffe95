using Toolchain.Graph;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Gradients of normalisation and dropout layers.</summary>
internal static class NormalizationRules
{
    // Training mode, statistics of the batch over N and the spatial axes: x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β.
    //   dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/√(σ² + ε) · (dy − mean(dy) − x̂·mean(dy·x̂)).
    // Inference mode, given mean m and variance v: x̂ = (x − m)/√(v + ε), y = γ·x̂ + β.
    //   dx = γ·dy/√(v + ε), dm = −Σ γ·dy/√(v + ε), dv = −½ Σ γ·dy·x̂/(v + ε); dβ and dγ as above.
    public static Value?[] BatchNormalization(GradientContext c)
    {
        var g = c.Graph;
        bool training = c.Int("training_mode", 0) != 0;
        if (c.OutputGradient(1) is not null || c.OutputGradient(2) is not null)
            throw c.Unsupported("the running statistics are state, not differentiable outputs");
        var (x, dy) = (c.Input(0), c.Dy);
        int rank = RuleSupport.RankOf(c, 0);
        long[] axes = [0, .. Enumerable.Range(2, rank - 2).Select(a => (long)a)];
        Value PerChannel(Value v) => rank > 2 ? g.Unsqueeze(v, Enumerable.Range(1, rank - 2).Select(a => (long)a).ToArray()) : v;
        var epsilon = g.Constant(c.Float("epsilon", 1e-5f));
        var gamma = PerChannel(c.Input(1));

        var (mean, variance) = training
            ? (g.ReduceMean(x, axes, keepDims: true), (Value?)null)
            : (PerChannel(c.Input(3)), PerChannel(c.Input(4)));
        var centered = g.Sub(x, mean);
        variance ??= g.ReduceMean(g.Mul(centered, centered), axes, keepDims: true);
        var invStd = g.Reciprocal(g.Sqrt(g.Add(variance, epsilon)));
        var normalized = g.Mul(centered, invStd);

        var dBeta = g.ReduceSum(dy, axes, keepDims: false);
        var dGamma = g.ReduceSum(g.Mul(dy, normalized), axes, keepDims: false);
        var scale = g.Mul(gamma, invStd);
        if (training)
        {
            var meanDy = g.ReduceMean(dy, axes, keepDims: true);
            var meanDyX = g.ReduceMean(g.Mul(dy, normalized), axes, keepDims: true);
            return [g.Mul(scale, g.Sub(g.Sub(dy, meanDy), g.Mul(normalized, meanDyX))), dGamma, dBeta, null, null];
        }
        var dx = g.Mul(dy, scale);
        var dMean = g.Neg(g.ReduceSum(dx, axes, keepDims: false));
        var dVariance = g.Mul(g.Constant(-0.5f), g.ReduceSum(g.Mul(dx, g.Mul(normalized, invStd)), axes, keepDims: false));
        return [dx, dGamma, dBeta, dMean, dVariance];
    }

    // Over the axes from `axis` to the last: x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β (γ, β broadcast over the leading axes).
    //   dβ = Σ dy, dγ = Σ dy·x̂ over the leading axes; with h = dy·γ: dx = (h − mean(h) − x̂·mean(h·x̂))/√(σ² + ε).
    public static Value?[] LayerNormalization(GradientContext c)
    {
        var g = c.Graph;
        if (c.OutputGradient(1) is not null || c.OutputGradient(2) is not null)
            throw c.Unsupported("gradients through the Mean and InvStdDev outputs are not supported");
        var (x, gamma, dy) = (c.Input(0), c.Input(1), c.Dy);
        int rank = RuleSupport.RankOf(c, 0);
        var axis = c.Int("axis", -1);
        if (axis < 0) axis += rank;
        var axes = Enumerable.Range((int)axis, rank - (int)axis).Select(a => (long)a).ToArray();

        var centered = g.Sub(x, g.ReduceMean(x, axes, keepDims: true));
        var variance = g.ReduceMean(g.Mul(centered, centered), axes, keepDims: true);
        var invStd = g.Reciprocal(g.Sqrt(g.Add(variance, g.Constant(c.Float("epsilon", 1e-5f)))));
        var normalized = g.Mul(centered, invStd);

        var h = g.Mul(dy, gamma);
        var meanH = g.ReduceMean(h, axes, keepDims: true);
        var meanHx = g.ReduceMean(g.Mul(h, normalized), axes, keepDims: true);
        var dx = g.Mul(invStd, g.Sub(g.Sub(h, meanH), g.Mul(normalized, meanHx)));
        var dGamma = c.ReduceTo(g.Mul(dy, normalized), gamma);
        var dBeta = c.HasInput(2) ? c.ReduceTo(dy, c.Input(2)) : null;
        return [dx, dGamma, dBeta];
    }

    // Training: y = x·mask/(1 − ratio) with the mask this node drew, so dx = dy·mask/(1 − ratio). Otherwise y = x.
    // A second Dropout would draw another mask, so when the node does not output its mask the rule adds that output.
    public static Value?[] Dropout(GradientContext c)
    {
        var g = c.Graph;
        if (!TrainingMode(c)) return [c.Dy, null, null];
        var mask = c.Node.Output.Count > 1 && c.Node.Output[1].Length > 0 ? c.Output(1) : ExposeMask(c);
        var keep = g.Sub(g.Constant(1f), c.HasInput(1) ? c.Input(1) : g.Constant(0.5f));
        return [g.Div(g.Mul(c.Dy, g.Cast(mask, ElementType.Float)), keep), null, null];
    }

    private static bool TrainingMode(GradientContext c)
    {
        if (!c.HasInput(2)) return false;
        var flag = c.Graph.ConstantOf(c.Input(2))
            ?? throw c.Unsupported("gradients need training_mode to be a constant initializer");
        return flag.RawData.Length > 0 ? flag.RawData[0] != 0 : flag.Int32Data.FirstOrDefault() != 0;
    }

    private static Value ExposeMask(GradientContext c)
    {
        var mask = new Value(c.Graph.FreshName("dropout_mask"));
        if (c.Node.Output.Count > 1) c.Node.Output[1] = mask.Name;
        else c.Node.Output.Add(mask.Name);
        c.Graph.Annotate(mask, c.Graph.TypeOf(c.Input(0)) is { } t ? t with { Element = ElementType.Bool } : null);
        return mask;
    }
}

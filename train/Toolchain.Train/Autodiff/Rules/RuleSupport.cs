using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Autodiff.Rules;

/// <summary>Small pieces several rule families share.</summary>
internal static class RuleSupport
{
    /// <summary>A float tensor of zeros shaped like <paramref name="x"/> (a constant shape when it is static).</summary>
    public static Value ZerosLike(GraphBuilder g, Value x) => g.Filled(ShapeOf(g, x), 0f);

    /// <summary>x's shape as a 1-D int64 tensor: a constant when it is static, a Shape op otherwise.</summary>
    public static Value ShapeOf(GraphBuilder g, Value x) =>
        g.TypeOf(x) is { HasKnownShape: true } t ? g.ConstantLongs(t.Shape!.Select(d => d.Size).ToArray()) : g.Shape(x);

    /// <summary>The rank of input <paramref name="index"/>, which the rule needs statically.</summary>
    public static int RankOf(GradientContext c, int index) =>
        c.Graph.TypeOf(c.Input(index))?.Rank ?? throw c.Unsupported($"gradients need the rank of input '{c.Node.Input[index]}'");

    /// <summary>Input <paramref name="index"/> as constant integers, or null when the input is omitted.</summary>
    public static long[]? ConstantInts(GradientContext c, int index)
    {
        if (!c.HasInput(index)) return null;
        return c.Graph.ConstantOf(c.Input(index)) is { } t ? TensorProtos.ToLongs(t)
            : throw c.Unsupported($"gradients need input '{c.Node.Input[index]}' to be a constant initializer");
    }

    /// <summary>The node's attributes as builder values, to re-emit the same op with a different signature.</summary>
    public static Dictionary<string, object> AttributesOf(NodeProto node, params string[] except)
    {
        var copy = new Dictionary<string, object>();
        foreach (var a in node.Attribute.Where(a => !except.Contains(a.Name)))
            copy[a.Name] = a.Type switch
            {
                AttributeProto.Types.AttributeType.Int => a.I,
                AttributeProto.Types.AttributeType.Ints => a.Ints.ToArray(),
                AttributeProto.Types.AttributeType.Float => a.F,
                AttributeProto.Types.AttributeType.String => a.S.ToStringUtf8(),
                _ => throw new GradientException($"node '{node.Name}' ({node.OpType}): cannot copy attribute '{a.Name}' of type {a.Type}"),
            };
        return copy;
    }
}

using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Train.Autodiff;

/// <summary>What a gradient rule sees: the node, its inputs and outputs, the incoming output gradients, and the builder to emit nodes with.</summary>
/// <param name="forwardConsumers">Per value, the nodes that read it in the graph as it stood before differentiation began
/// (gradient nodes added since are not among them).</param>
public sealed class GradientContext(GraphBuilder graph, NodeProto node, IReadOnlyList<Value?> outputGradients,
    ILookup<string, NodeProto>? forwardConsumers = null)
{
    public GraphBuilder Graph { get; } = graph;
    public NodeProto Node { get; } = node;

    public int InputCount => Node.Input.Count;

    public Value Input(int index) => new(Node.Input[index]);

    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    public Value Output(int index = 0) => new(Node.Output[index]);

    /// <summary>The gradient flowing into output <paramref name="index"/>, or null where none reaches it.</summary>
    public Value? OutputGradient(int index = 0) => index < outputGradients.Count ? outputGradients[index] : null;

    /// <summary>The gradient of the first output, which every single-output rule needs.</summary>
    public Value Dy => OutputGradient(0) ?? throw new InvalidOperationException($"node '{Node.Name}': no gradient reaches output 0");

    public long Int(string attribute, long fallback) => Attributes.Int(Node, attribute, fallback);

    public float Float(string attribute, float fallback) => Attributes.Float(Node, attribute, fallback);

    /// <summary>Sums a broadcast gradient back to the shape of <paramref name="operand"/>.</summary>
    public Value ReduceTo(Value gradient, Value operand) => Broadcasting.ReduceTo(Graph, gradient, operand);

    /// <summary>The nodes of the differentiated graph that read <paramref name="value"/>; null when the caller did not say.</summary>
    public IReadOnlyList<NodeProto>? ForwardConsumers(Value value) => forwardConsumers?[value.Name].ToList();

    /// <summary>Whether <paramref name="value"/> is one of the graph's outputs.</summary>
    public bool IsGraphOutput(Value value) => Graph.Graph.Output.Any(o => o.Name == value.Name);

    public GradientException Unsupported(string why) => new($"node '{Node.Name}' ({Node.OpType}): {why}");
}

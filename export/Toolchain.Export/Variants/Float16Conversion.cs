using Google.Protobuf;
using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export.Variants;

/// <summary>
/// The fp16 variant as a graph transform: the nodes between two values — in an exported model, the
/// normalised <c>input</c> and <c>logits</c> — compute in float16, with their float32 weights stored
/// as float16; everything else keeps float32. The uint8 → float32 cast and the normalisation
/// constants therefore stay exact, and Softmax and ArgMax read float32 logits. A Cast to float16
/// enters the region wherever it reads a float32 value from outside, and a Cast back to float32
/// leaves it wherever a value it makes is read outside (or is a graph output). An op the table below
/// does not know fails the transform, naming the node.
/// Whether a node then really computes in float16 is ONNX Runtime's choice per machine: its linux-arm64
/// CPU build has float16 Gemm and Relu kernels; its x64 build has none and casts around such nodes to
/// run them in float32 (the file still holds float16 weights).
/// </summary>
public static class Float16Conversion
{
    /// <summary>
    /// Ops the region may hold, each with the input positions that stay float32 whatever the data type
    /// (e.g. Resize's scales). Every other float32 input of these ops becomes float16.
    /// </summary>
    private static readonly Dictionary<string, int[]> Ops = new(StringComparer.Ordinal)
    {
        ["Identity"] = [], ["Flatten"] = [], ["Reshape"] = [], ["Squeeze"] = [], ["Unsqueeze"] = [], ["Transpose"] = [],
        ["Concat"] = [], ["Slice"] = [], ["Gather"] = [], ["Shape"] = [], ["Expand"] = [], ["Dropout"] = [], ["Where"] = [],
        ["MatMul"] = [], ["Gemm"] = [], ["Conv"] = [], ["MaxPool"] = [], ["AveragePool"] = [], ["GlobalAveragePool"] = [],
        ["BatchNormalization"] = [], ["LayerNormalization"] = [], ["Resize"] = [1, 2],
        ["Add"] = [], ["Sub"] = [], ["Mul"] = [], ["Div"] = [], ["Pow"] = [], ["Neg"] = [], ["Abs"] = [], ["Sqrt"] = [],
        ["Exp"] = [], ["Log"] = [], ["Erf"] = [], ["Max"] = [], ["Min"] = [], ["Clip"] = [], ["ReduceMean"] = [], ["ReduceSum"] = [],
        ["Relu"] = [], ["LeakyRelu"] = [], ["Sigmoid"] = [], ["Tanh"] = [], ["Softmax"] = [], ["LogSoftmax"] = [],
        ["Cast"] = [],
    };

    public const string Suffix = ".fp16";

    /// <summary>
    /// Returns a copy of <paramref name="model"/> whose nodes on every path from <paramref name="from"/> to
    /// <paramref name="to"/> compute in float16; the graph's inputs and outputs keep their types.
    /// </summary>
    public static ModelProto Apply(ModelProto model, string from, string to, string source)
    {
        var result = model.Clone();
        var graph = result.Graph;
        GraphValidator.SortTopologically(graph);
        var region = Region(graph, from, to, source);
        var types = GraphBuilder.Extend(graph);
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var producedInRegion = region.SelectMany(n => n.Output).Where(o => o.Length > 0).ToHashSet(StringComparer.Ordinal);
        var names = new UniqueNames(graph);
        var entering = new Dictionary<string, string>(StringComparer.Ordinal);
        var enteringNodes = new List<NodeProto>();

        bool IsFloat(string value, NodeProto reader) =>
            (types.TypeOf(new Value(value)) ?? throw new ExportException(
                $"model '{source}': the fp16 variant cannot tell the element type of '{value}', read by node '{reader.Name}' ({reader.OpType})")).Element == ElementType.Float;

        foreach (var node in graph.Node.Where(region.Contains))
        {
            if (node.Domain is not ("" or "ai.onnx") || !Ops.TryGetValue(node.OpType, out var keepFloat32))
                throw new ExportException($"model '{source}': node '{node.Name}' ({node.Domain}{(node.Domain.Length > 0 ? ":" : "")}{node.OpType}) has no float16 rule; " +
                    $"the fp16 variant knows {string.Join(", ", Ops.Keys.Order(StringComparer.Ordinal))}");
            if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
                throw new ExportException($"model '{source}': node '{node.Name}' ({node.OpType}) has a subgraph; the fp16 variant does not convert subgraphs");
            if (node.OpType == "Cast" && Attributes.Int(node, "to", 0) == (long)ElementType.Float)
                node.Attribute.Single(a => a.Name == "to").I = (long)ElementType.Float16;

            for (int i = 0; i < node.Input.Count; i++)
            {
                var input = node.Input[i];
                if (input.Length == 0 || producedInRegion.Contains(input) || keepFloat32.Contains(i) || !IsFloat(input, node)) continue;
                if (!entering.TryGetValue(input, out var converted))
                {
                    converted = names.Fresh(input + Suffix);
                    if (initializers.TryGetValue(input, out var initializer) && !graphInputs.Contains(input))
                        graph.Initializer.Add(Halves(initializer, converted));
                    else
                        enteringNodes.Add(Cast(input, converted, ElementType.Float16, names));
                    entering[input] = converted;
                }
                node.Input[i] = converted;
            }
        }

        var leavingNodes = new List<NodeProto>();
        var readOutside = graph.Node.Where(n => !region.Contains(n)).SelectMany(GraphSlice.ReadNames)
            .Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var value in producedInRegion.Where(readOutside.Contains).Order(StringComparer.Ordinal).ToArray())
        {
            if (!IsFloat(value, region.First(n => n.Output.Contains(value)))) continue;
            var inside = names.Fresh(value + Suffix);
            foreach (var node in region)
            {
                for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == value) node.Input[i] = inside;
                for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == value) node.Output[i] = inside;
            }
            leavingNodes.Add(Cast(inside, value, ElementType.Float, names));
        }

        // Types recorded for values the region now makes in float16 would be wrong; ONNX Runtime infers them again.
        for (int k = graph.ValueInfo.Count - 1; k >= 0; k--)
            if (producedInRegion.Contains(graph.ValueInfo[k].Name)) graph.ValueInfo.RemoveAt(k);
        graph.Node.AddRange(enteringNodes);
        graph.Node.AddRange(leavingNodes);
        GraphValidator.SortTopologically(graph);
        UnreadInitializers.Remove(graph);
        return result;
    }

    /// <summary>The nodes that both depend on <paramref name="from"/> and feed <paramref name="to"/>.</summary>
    private static HashSet<NodeProto> Region(GraphProto graph, string from, string to, string source)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { from };
        var downstream = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node)
            if (GraphSlice.ReadNames(node).Any(reached.Contains))
            {
                downstream.Add(node);
                reached.UnionWith(node.Output);
            }
        var needed = new HashSet<string>(StringComparer.Ordinal) { to };
        var region = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        for (int k = graph.Node.Count - 1; k >= 0; k--)
        {
            var node = graph.Node[k];
            if (!node.Output.Any(needed.Contains)) continue;
            needed.UnionWith(GraphSlice.ReadNames(node));
            if (downstream.Contains(node)) region.Add(node);
        }
        if (!region.Any(n => n.Output.Contains(to)))
            throw new ExportException($"model '{source}': no path leads from '{from}' to '{to}', so the fp16 variant has nothing to convert");
        // Compared by reference: the transform edits these nodes, which changes their value hash.
        return region;
    }

    private static NodeProto Cast(string input, string output, ElementType to, UniqueNames names)
    {
        var node = new NodeProto { OpType = "Cast", Name = names.Fresh($"{output}.Cast") };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.Add(Attributes.Make("to", (long)to));
        return node;
    }

    /// <summary>A float32 initializer rounded to float16 (nearest, ties to even), stored as raw little-endian bytes.</summary>
    internal static TensorProto Halves(TensorProto tensor, string name)
    {
        var floats = TensorProtos.ToFloats(tensor);
        var bytes = new byte[floats.Length * 2];
        for (int i = 0; i < floats.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)floats[i]);
        var half = new TensorProto { Name = name, DataType = (int)ElementType.Float16, RawData = ByteString.CopyFrom(bytes) };
        half.Dims.AddRange(tensor.Dims);
        return half;
    }
}

using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Graph;

/// <summary>
/// Builds an ONNX graph: every method returns typed values, names are made unique by the builder,
/// and static types are inferred as nodes are added so gradient rules can reason about shapes.
/// Identical build sequences serialise to identical bytes.
/// </summary>
public sealed partial class GraphBuilder
{
    public const int OpsetVersion = 17;
    public const long IrVersion = 8;

    private readonly GraphProto graph;
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorType> types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
    private readonly Dictionary<object, object> shared = [];

    public GraphBuilder(string name) => graph = new GraphProto { Name = name };

    /// <summary>Continues building on an existing graph (its nodes, inputs and initializers are kept).</summary>
    public static GraphBuilder Extend(GraphProto existing)
    {
        var builder = new GraphBuilder(existing.Name);
        builder.graph.MergeFrom(existing);
        foreach (var input in existing.Input) builder.Remember(input.Name, TypeFromProto(input.Type));
        foreach (var init in existing.Initializer)
        {
            builder.initializers[init.Name] = init;
            builder.Remember(init.Name, new TensorType((ElementType)init.DataType, init.Dims.Select(d => (Dim)d).ToArray()));
        }
        foreach (var info in existing.ValueInfo.Concat(existing.Output)) builder.Remember(info.Name, TypeFromProto(info.Type));
        foreach (var node in existing.Node)
        {
            builder.usedNames.Add(node.Name);
            builder.InferTypes(node);
        }
        return builder;
    }

    public GraphProto Graph => graph;

    public IReadOnlyDictionary<string, TensorProto> Initializers => initializers;

    public TensorType? TypeOf(Value value) => types.GetValueOrDefault(value.Name);

    /// <summary>
    /// Records a type known from the math rather than from inference (a gradient has its operand's
    /// shape, for one); it refines, never replaces, what inference found.
    /// </summary>
    public void Annotate(Value value, TensorType? type)
    {
        if (type is null) return;
        var known = TypeOf(value);
        if (known is null || Specificity(type) > Specificity(known)) types[value.Name] = type;
    }

    private static int Specificity(TensorType type) =>
        type.Shape is null ? 0 : 1 + type.Shape.Count(d => d.IsKnown || d.Symbol is not null);

    public TensorProto? ConstantOf(Value value) => initializers.GetValueOrDefault(value.Name);

    public Value Input(string name, ElementType element, params Dim[] shape)
    {
        Claim(name);
        graph.Input.Add(ValueInfo(name, new TensorType(element, shape)));
        Remember(name, new TensorType(element, shape));
        return new Value(name);
    }

    public void Output(Value value)
    {
        var type = TypeOf(value);
        graph.Output.Add(type is null ? new ValueInfoProto { Name = value.Name } : ValueInfo(value.Name, type));
    }

    /// <summary>Renames a value as a graph output with the given public name (through an Identity node).</summary>
    public Value Output(Value value, string publicName)
    {
        if (value.Name == publicName)
        {
            Output(value);
            return value;
        }
        Claim(publicName);
        var node = NewNode("Identity", [value], [publicName], null);
        graph.Node.Add(node);
        InferTypes(node);
        var output = new Value(publicName);
        Output(output);
        return output;
    }

    public Value Initializer(TensorProto tensor)
    {
        Claim(tensor.Name);
        return AddInitializer(tensor);
    }

    private Value AddInitializer(TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        initializers[tensor.Name] = tensor;
        Remember(tensor.Name, new TensorType((ElementType)tensor.DataType, tensor.Dims.Select(d => (Dim)d).ToArray()));
        return new Value(tensor.Name);
    }

    public Value Constant(float scalar) => AddInitializer(TensorProtos.Floats(FreshName("const"), [scalar]));

    public Value Constant(float[] data, params long[] dims) => AddInitializer(TensorProtos.Floats(FreshName("const"), data, dims));

    public Value ConstantLongs(params long[] data) => AddInitializer(TensorProtos.Longs(FreshName("const"), data, data.Length));

    public Value ConstantLong(long scalar) => AddInitializer(TensorProtos.Longs(FreshName("const"), [scalar]));

    /// <summary>Adds a node; null inputs are omitted optional inputs. Returns its outputs.</summary>
    public Value[] Node(string opType, IReadOnlyList<Value?> inputs, int outputCount = 1, IReadOnlyDictionary<string, object>? attributes = null, string? outputHint = null)
    {
        var hint = outputHint ?? opType.ToLowerInvariant();
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = FreshName(hint);
        var node = NewNode(opType, inputs, outputs, attributes);
        graph.Node.Add(node);
        InferTypes(node);
        return outputs.Select(o => new Value(o)).ToArray();
    }

    public Value Op(string opType, params Value?[] inputs) => Node(opType, inputs)[0];

    public Value Op(string opType, Value?[] inputs, IReadOnlyDictionary<string, object> attributes) => Node(opType, inputs, 1, attributes)[0];

    /// <summary>
    /// Builds a value once per graph and hands the same one to every later caller with an equal key:
    /// per-step scalars that every parameter's update needs (bias corrections, say) are computed once.
    /// </summary>
    public T Shared<T>(object key, Func<T> build) where T : notnull
    {
        if (shared.TryGetValue(key, out var existing)) return (T)existing;
        var value = build();
        shared[key] = value;
        return value;
    }

    public string FreshName(string hint)
    {
        hint = string.IsNullOrEmpty(hint) ? "v" : hint;
        if (Claimable(hint)) { Claim(hint); return hint; }
        int n = counters.GetValueOrDefault(hint);
        string candidate;
        do candidate = $"{hint}_{++n}"; while (!Claimable(candidate));
        counters[hint] = n;
        Claim(candidate);
        return candidate;
    }

    /// <summary>
    /// Removes nodes whose outputs nothing reads (gradient rules emit gradients for every input, and
    /// the ones no parameter needs — dX of the first layer, say — would otherwise run every step),
    /// then initializers no node reads.
    /// </summary>
    public void RemoveUnused()
    {
        FoldOutputIdentities();
        var used = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        for (int k = graph.Node.Count - 1; k >= 0; k--)
        {
            var node = graph.Node[k];
            if (!node.Output.Any(used.Contains)) continue;
            kept.Add(node);
            foreach (var input in node.Input) used.Add(input);
        }
        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(unused);
            initializers.Remove(unused.Name);
        }
    }

    /// <summary>
    /// Graph outputs are named through Identity nodes, and on the CPU an Identity copies its tensor
    /// (a parameter's worth of memory traffic per output, per step). Where the renamed value is
    /// computed by a node of this graph, the node writes the public name directly instead.
    /// </summary>
    private void FoldOutputIdentities()
    {
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var producedBy = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (var o in node.Output) producedBy[o] = node;
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        var folded = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node)
        {
            if (node.OpType != "Identity" || node.Input.Count != 1 || !graphOutputs.Contains(node.Output[0])) continue;
            var source = node.Input[0];
            if (!producedBy.ContainsKey(source) || graphOutputs.Contains(source) || renames.ContainsKey(source)) continue;
            renames[source] = node.Output[0];
            folded.Add(node);
        }
        if (renames.Count == 0) return;
        foreach (var node in folded) graph.Node.Remove(node);
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (renames.TryGetValue(node.Input[i], out var to)) node.Input[i] = to;
            for (int i = 0; i < node.Output.Count; i++)
                if (renames.TryGetValue(node.Output[i], out var to)) node.Output[i] = to;
        }
    }

    public ModelProto ToModel(IReadOnlyDictionary<string, string>? metadata = null, string docString = "")
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "toolchain",
            ProducerVersion = typeof(GraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            DocString = docString,
            Graph = graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (metadata is not null)
            foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        GraphValidator.ThrowIfInvalid(model.Graph, graph.Name);
        return model;
    }

    private bool Claimable(string name) => !usedNames.Contains(name);

    private void Claim(string name)
    {
        if (!usedNames.Add(name))
            throw new OnnxFormatException($"graph '{graph.Name}': the name '{name}' is already used");
    }

    private void Remember(string name, TensorType? type)
    {
        usedNames.Add(name);
        if (type is not null) types[name] = type;
    }

    private NodeProto NewNode(string opType, IReadOnlyList<Value?> inputs, IEnumerable<string> outputs, IReadOnlyDictionary<string, object>? attributes)
    {
        var node = new NodeProto { OpType = opType, Name = FreshName($"{opType}_node") };
        foreach (var input in inputs) node.Input.Add(input?.Name ?? "");
        // Trailing omitted optional inputs are dropped, as the ONNX spec prefers.
        while (node.Input.Count > 0 && node.Input[^1].Length == 0) node.Input.RemoveAt(node.Input.Count - 1);
        node.Output.AddRange(outputs);
        if (attributes is not null)
            foreach (var (name, value) in attributes.OrderBy(p => p.Key, StringComparer.Ordinal))
                node.Attribute.Add(Attributes.Make(name, value));
        return node;
    }

    private void InferTypes(NodeProto node)
    {
        var inferred = ShapeInference.Infer(node, name => types.GetValueOrDefault(name), name => initializers.GetValueOrDefault(name));
        for (int i = 0; i < node.Output.Count; i++)
        {
            usedNames.Add(node.Output[i]);
            if (i < inferred.Length && inferred[i] is { } type && node.Output[i].Length > 0) types[node.Output[i]] = type;
        }
    }

    public static ValueInfoProto ValueInfo(string name, TensorType type)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type.Element };
        if (type.Shape is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var dim in type.Shape)
            {
                var d = new TensorShapeProto.Types.Dimension();
                if (dim.IsKnown) d.DimValue = dim.Size;
                else if (dim.Symbol is not null) d.DimParam = dim.Symbol;
                tensorType.Shape.Dim.Add(d);
            }
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    public static TensorType? TypeFromProto(TypeProto? type)
    {
        if (type?.TensorType is not { } tensor) return null;
        Dim[]? shape = tensor.Shape?.Dim.Select(d =>
            d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (Dim)d.DimValue
            : d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? Dim.Named(d.DimParam)
            : Dim.Unknown).ToArray();
        return new TensorType((ElementType)tensor.ElemType, shape);
    }
}

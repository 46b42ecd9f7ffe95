using Toolchain.Graph;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export;

/// <summary>
/// Builds the published inference model from the eval graph and a checkpoint:
/// <c>pixels</c> uint8 [N, ...sample] → Cast → Sub mean → Div std → (the eval graph's slice for logits,
/// trained parameters as initializers, in inference mode) → <c>logits</c>, <c>probabilities</c> (Softmax)
/// and <c>class_index</c> (ArgMax).
/// </summary>
public static class InferenceModel
{
    public const string PixelsName = "pixels";
    public const string ProbabilitiesName = "probabilities";
    public const string ClassIndexName = "class_index";
    public const string BatchSymbol = "N";

    public static ModelProto Build(
        string name, EvalGraph eval, BoundParameters parameters, Normalization normalization,
        long[] sampleShape, int classes, long version, IReadOnlyDictionary<string, string> metadata, string docString)
    {
        var builder = GraphBuilder.Extend(LogitsCore(name, eval, parameters));
        var batch = Dim.Named(BatchSymbol);

        var pixels = builder.Input(PixelsName, ElementType.UInt8, [batch, .. sampleShape.Select(d => (Dim)d)]);
        // Named as in the checkpoint; the normalization/ prefix is reserved there, so no eval graph value has these names.
        var mean = builder.Initializer(TensorProtos.Floats(Normalization.MeanTensorName, normalization.Mean.Data, normalization.Mean.Shape));
        var std = builder.Initializer(TensorProtos.Floats(Normalization.StdTensorName, normalization.Std.Data, normalization.Std.Shape));
        var normalized = builder.Div(builder.Sub(builder.Cast(pixels, ElementType.Float), mean), std);
        FeedEvalInput(builder, normalized);

        var logits = new Value(EvalGraph.LogitsName);
        builder.Output(logits);
        builder.Output(builder.Softmax(logits, axis: 1), ProbabilitiesName);
        builder.Output(builder.ArgMax(logits, axis: 1), ClassIndexName);

        GraphValidator.SortTopologically(builder.Graph);
        var model = builder.ToModel(metadata, docString);
        model.ModelVersion = version;
        DeclareOutputs(model.Graph, batch, classes);
        return model;
    }

    /// <summary>
    /// The eval graph cut down to what logits need, in inference mode, with the trained parameters as
    /// initializers and its normalised <c>input</c> (batch dimension named N) still a graph input.
    /// </summary>
    private static GraphProto LogitsCore(string name, EvalGraph eval, BoundParameters parameters)
    {
        var graph = eval.Model.Graph.Clone();
        InferenceMode.Apply(graph, eval.Path);
        var (nodes, reads) = GraphSlice.Backward(graph, EvalGraph.LogitsName, new HashSet<string> { EvalGraph.LabelsName }, eval.Path);
        if (nodes.FirstOrDefault(n => n.Domain is not ("" or "ai.onnx")) is { } foreign)
            throw new ExportException($"eval graph '{eval.Path}': node '{foreign.Name}' ({foreign.OpType}) is from domain '{foreign.Domain}'; an exported model uses ai.onnx ops only");
        if (!reads.Contains(EvalGraph.InputName))
            throw new ExportException($"eval graph '{eval.Path}': '{EvalGraph.LogitsName}' does not depend on '{EvalGraph.InputName}'");

        var core = new GraphProto { Name = name };
        var inputShape = eval.InputType.Shape!.ToArray();
        inputShape[0] = Dim.Named(BatchSymbol);
        core.Input.Add(TensorInfo(EvalGraph.InputName, ElementType.Float, inputShape));
        core.Node.AddRange(nodes);
        foreach (var initializer in graph.Initializer.Where(i => reads.Contains(i.Name) && !parameters.Inputs.ContainsKey(i.Name)))
            core.Initializer.Add(parameters.Initializers.TryGetValue(initializer.Name, out var trained)
                ? TensorProtos.Floats(initializer.Name, trained.Data, trained.Shape)
                : initializer);
        foreach (var (parameter, value) in parameters.Inputs.Where(p => reads.Contains(p.Key)))
            core.Initializer.Add(TensorProtos.Floats(parameter, value.Data, value.Shape));
        return core;
    }

    /// <summary>The eval graph's nodes read <c>input</c>; it now comes from the normalisation nodes instead of a graph input.</summary>
    private static void FeedEvalInput(GraphBuilder builder, Value normalized)
    {
        var graph = builder.Graph;
        graph.Input.Remove(graph.Input.Single(i => i.Name == EvalGraph.InputName));
        var identity = new NodeProto { OpType = "Identity", Name = builder.FreshName("Identity_node") };
        identity.Input.Add(normalized.Name);
        identity.Output.Add(EvalGraph.InputName);
        graph.Node.Add(identity);
    }

    /// <summary>Declares every output's type explicitly, whatever static inference could work out.</summary>
    private static void DeclareOutputs(GraphProto graph, Dim batch, int classes)
    {
        graph.Output.Clear();
        graph.Output.Add(TensorInfo(EvalGraph.LogitsName, ElementType.Float, [batch, classes]));
        graph.Output.Add(TensorInfo(ProbabilitiesName, ElementType.Float, [batch, classes]));
        graph.Output.Add(TensorInfo(ClassIndexName, ElementType.Int64, [batch]));
    }

    private static ValueInfoProto TensorInfo(string name, ElementType element, Dim[] shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)element, Shape = new TensorShapeProto() };
        foreach (var dim in shape)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (dim.IsKnown) d.DimValue = dim.Size;
            else if (dim.Symbol is not null) d.DimParam = dim.Symbol;
            tensor.Shape.Dim.Add(d);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}

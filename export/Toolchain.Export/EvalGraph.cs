using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;

namespace Toolchain.Export;

/// <summary>
/// The trainer's eval_model.onnx: graph inputs <c>input</c> (normalised float32 [N, ...sample]),
/// <c>labels</c> (int64 [N]) and every trainable parameter; outputs <c>loss</c> and <c>logits</c> [N, C].
/// Frozen parameters and constants are initializers.
/// </summary>
public sealed class EvalGraph
{
    public const string InputName = "input";
    public const string LabelsName = "labels";
    public const string LogitsName = "logits";

    private EvalGraph(string path, ModelProto model, TensorType inputType, IReadOnlyDictionary<string, TensorType?> parameters, Dim classes)
    {
        Path = path;
        Model = model;
        InputType = inputType;
        Parameters = parameters;
        Classes = classes;
    }

    public string Path { get; }

    /// <summary>The model as loaded; callers clone its graph before changing anything.</summary>
    public ModelProto Model { get; }

    public TensorType InputType { get; }

    /// <summary>Trainable parameters: every graph input other than input and labels, with its declared type when there is one.</summary>
    public IReadOnlyDictionary<string, TensorType?> Parameters { get; }

    public bool HasLabelsInput => Model.Graph.Input.Any(i => i.Name == LabelsName);

    /// <summary>The class dimension of logits as declared (unknown when the graph does not say).</summary>
    public Dim Classes { get; }

    public static EvalGraph Load(string path)
    {
        var model = OnnxModelFile.Load(path);
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version;
        if (opset != GraphBuilder.OpsetVersion)
            throw new ExportException($"eval graph '{path}' imports ai.onnx opset {opset?.ToString() ?? "none"}; export needs opset {GraphBuilder.OpsetVersion}");
        var graph = model.Graph;
        var inputs = graph.Input.ToDictionary(i => i.Name, i => TypeOf(i.Type), StringComparer.Ordinal);

        if (!inputs.TryGetValue(InputName, out var inputType) || inputType is null)
            throw new ExportException($"eval graph '{path}' has no tensor input '{InputName}'; its inputs are {string.Join(", ", inputs.Keys.Select(k => $"'{k}'"))}");
        if (inputType.Element != ElementType.Float || inputType.Shape is null || inputType.Shape.Length < 2)
            throw new ExportException($"eval graph '{path}': input '{InputName}' must be float32 [N, ...sample shape], got {inputType}");
        if (graph.Output.FirstOrDefault(o => o.Name == LogitsName) is not { } logits)
            throw new ExportException($"eval graph '{path}' has no output '{LogitsName}'; its outputs are {string.Join(", ", graph.Output.Select(o => $"'{o.Name}'"))}");
        var logitsType = TypeOf(logits.Type);
        if (logitsType is { Element: not ElementType.Float } || logitsType?.Shape is { Length: not 2 })
            throw new ExportException($"eval graph '{path}': output '{LogitsName}' must be float32 [N, classes], got {logitsType}");

        var parameters = inputs.Where(i => i.Key is not InputName and not LabelsName)
            .ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
        foreach (var (name, type) in parameters)
            if (type is not null && type.Element != ElementType.Float)
                throw new ExportException($"eval graph '{path}': parameter input '{name}' is {type.Element}; checkpoints hold float32 parameters only");
        return new EvalGraph(path, model, inputType, parameters, logitsType?.Shape?[1] ?? Dim.Unknown);
    }

    /// <summary>Checks that the graph's input takes samples of the checkpoint's sample shape.</summary>
    public void ExpectSampleShape(long[] sampleShape, string checkpointPath)
    {
        var declared = InputType.Shape![1..];
        bool fits = declared.Length == sampleShape.Length && declared.Zip(sampleShape).All(p => !p.First.IsKnown || p.First.Size == p.Second);
        if (!fits)
            throw new ExportException($"eval graph '{Path}': input '{InputName}' takes samples of shape [{string.Join(",", declared)}], " +
                $"but checkpoint '{checkpointPath}' says input_shape [{string.Join(",", sampleShape)}]");
    }

    /// <summary>Checks that logits have one column per class label (when the graph declares the column count).</summary>
    public void ExpectClasses(int labelCount, string checkpointPath)
    {
        if (Classes.IsKnown && Classes.Size != labelCount)
            throw new ExportException($"eval graph '{Path}': output '{LogitsName}' has {Classes.Size} classes, but checkpoint '{checkpointPath}' lists {labelCount} labels");
    }

    /// <summary>Initializers by name (frozen parameters, running statistics and constants).</summary>
    public IReadOnlyDictionary<string, TensorProto> Initializers =>
        Model.Graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);

    internal static TensorType? TypeOf(TypeProto? type)
    {
        if (type?.TensorType is not { } tensor) return null;
        var shape = tensor.Shape?.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => (Dim)d.DimValue,
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Named(d.DimParam),
            _ => Dim.Unknown,
        }).ToArray();
        return new TensorType((ElementType)tensor.ElemType, shape);
    }
}

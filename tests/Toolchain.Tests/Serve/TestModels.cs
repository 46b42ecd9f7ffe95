using Google.Protobuf;
using Toolchain.Onnx.Proto;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Small ONNX models for the serving tests, written straight from the protobuf classes so they depend on
/// nothing but the ONNX schema, and a model repository laid out the way export writes one.
/// </summary>
public static class TestModels
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int UInt8 = (int)TensorProto.Types.DataType.Uint8;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;
    private const int Bool = (int)TensorProto.Types.DataType.Bool;

    public static readonly string[] ClassifierLabels = ["cat", "dog", "bird"];

    /// <summary>
    /// A three-class classifier shaped like fashion-mlp: <c>pixels</c> UINT8 [N,2,2] → Cast → /255 →
    /// Reshape [N,4] → Gemm(W, b) = <c>logits</c> FP32 [N,3]; Softmax = <c>probabilities</c>;
    /// ArgMax = <c>class_index</c> INT64 [N]. <paramref name="scale"/> varies the weights between versions.
    /// </summary>
    public static ModelProto Classifier(float scale = 1f, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var graph = new GraphProto { Name = "tiny_classifier" };
        graph.Input.Add(Value("pixels", UInt8, "N", 2, 2));
        graph.Initializer.Add(Floats("inv255", [1f / 255f]));
        graph.Initializer.Add(Longs("flat", [-1, 4], 2));
        graph.Initializer.Add(Floats("W", [.. new[] { 1f, -1f, 0.5f, -0.5f, 2f, 0.25f, 0f, 1f, -1f, 0.75f, -0.25f, 1.5f }.Select(w => w * scale)], 4, 3));
        graph.Initializer.Add(Floats("b", [0.1f * scale, -0.2f, 0.05f], 3));
        graph.Node.Add(Node("Cast", ["pixels"], ["x_float"], Attribute("to", Float)));
        graph.Node.Add(Node("Mul", ["x_float", "inv255"], ["x_scaled"]));
        graph.Node.Add(Node("Reshape", ["x_scaled", "flat"], ["x_flat"]));
        graph.Node.Add(Node("Gemm", ["x_flat", "W", "b"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], ["probabilities"], Attribute("axis", 1)));
        graph.Node.Add(Node("ArgMax", ["logits"], ["class_index"], Attribute("axis", 1), Attribute("keepdims", 0)));
        graph.Output.Add(Value("logits", Float, "N", 3));
        graph.Output.Add(Value("probabilities", Float, "N", 3));
        graph.Output.Add(Value("class_index", Int64, "N"));
        return Model(graph, metadata);
    }

    /// <summary>
    /// Predicts the index of the brightest of four pixels: <c>pixels</c> UINT8 [N,2,2] → <c>scores</c> FP32 [N,4]
    /// (the pixel values) and <c>class_index</c> INT64 [N], so the right answer for any image is known.
    /// </summary>
    public static ModelProto BrightestPixel()
    {
        var graph = new GraphProto { Name = "brightest_pixel" };
        graph.Input.Add(Value("pixels", UInt8, "N", 2, 2));
        graph.Initializer.Add(Longs("flat", [-1, 4], 2));
        graph.Node.Add(Node("Cast", ["pixels"], ["x_float"], Attribute("to", Float)));
        graph.Node.Add(Node("Reshape", ["x_float", "flat"], ["scores"]));
        graph.Node.Add(Node("ArgMax", ["scores"], ["class_index"], Attribute("axis", 1), Attribute("keepdims", 0)));
        graph.Output.Add(Value("scores", Float, "N", 4));
        graph.Output.Add(Value("class_index", Int64, "N"));
        return Model(graph, null);
    }

    /// <summary>Two inputs that must agree: <c>a</c> FP32 [N,3] + <c>b</c> FP32 [N,3] = <c>sum</c>, and an INT64 <c>count</c> [1] passed through.</summary>
    public static ModelProto Adder()
    {
        var graph = new GraphProto { Name = "adder" };
        graph.Input.Add(Value("a", Float, "N", 3));
        graph.Input.Add(Value("b", Float, "N", 3));
        graph.Input.Add(Value("count", Int64, 1));
        graph.Node.Add(Node("Add", ["a", "b"], ["sum"]));
        graph.Node.Add(Node("Identity", ["count"], ["count_out"]));
        graph.Output.Add(Value("sum", Float, "N", 3));
        graph.Output.Add(Value("count_out", Int64, 1));
        return Model(graph, null);
    }

    /// <summary><c>x</c> FP32 [N] reshaped to <c>y</c> FP32 [N/2, 2]: accepts any N by its metadata, but fails at run time for odd N.</summary>
    public static ModelProto Pairs()
    {
        var graph = new GraphProto { Name = "pairs" };
        graph.Input.Add(Value("x", Float, "N"));
        graph.Initializer.Add(Longs("pair_shape", [-1, 2], 2));
        graph.Node.Add(Node("Reshape", ["x", "pair_shape"], ["y"]));
        graph.Output.Add(Value("y", Float, "M", 2));
        return Model(graph, null);
    }

    /// <summary>
    /// Work on demand, for timeouts, shutdown and load: <c>iterations</c> INT64 scalar → a Loop that many times
    /// sets state = Tanh(state · 1.5 I) on a 128×128 state (a few hundred microseconds an iteration) → <c>checksum</c>
    /// FP32 scalar, the sum of the final state. The state settles at ±0.86, so no subnormal numbers slow it down.
    /// </summary>
    public static ModelProto Slow()
    {
        const int size = 128;
        var body = new GraphProto { Name = "slow_body" };
        body.Input.Add(Value("i", Int64));
        body.Input.Add(Value("cond_in", Bool));
        body.Input.Add(Value("state_in", Float, size, size));
        body.Initializer.Add(Floats("W", [.. Enumerable.Range(0, size * size).Select(k => k / size == k % size ? 1.5f : 0f)], size, size));
        body.Node.Add(Node("MatMul", ["state_in", "W"], ["product"]));
        body.Node.Add(Node("Tanh", ["product"], ["state_out"]));
        body.Node.Add(Node("Identity", ["cond_in"], ["cond_out"]));
        body.Output.Add(Value("cond_out", Bool));
        body.Output.Add(Value("state_out", Float, size, size));

        var graph = new GraphProto { Name = "slow" };
        graph.Input.Add(Value("iterations", Int64));
        graph.Initializer.Add(Floats("start", [.. Enumerable.Repeat(0.5f, size * size)], size, size));
        graph.Node.Add(Node("Loop", ["iterations", "", "start"], ["final_state"],
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body }));
        graph.Node.Add(Node("ReduceSum", ["final_state"], ["checksum"], Attribute("keepdims", 0)));
        graph.Output.Add(Value("checksum", Float));
        return Model(graph, null);
    }

    /// <summary>An infer request body for <see cref="Slow"/>.</summary>
    public static string SlowRequest(long iterations) =>
        $$"""{"inputs": [{"name": "iterations", "shape": [], "datatype": "INT64", "data": {{iterations}}}]}""";

    /// <summary>Writes <c>root/name/version/model.onnx</c>, a Triton config and, when given, labels.txt.</summary>
    public static string Write(string root, string name, int version, ModelProto model, IReadOnlyList<string>? labels = null, int maxBatchSize = 0, string? dynamicBatching = null)
    {
        var modelDirectory = Path.Combine(root, name);
        var versionDirectory = Path.Combine(modelDirectory, version.ToString());
        Directory.CreateDirectory(versionDirectory);
        var path = Path.Combine(versionDirectory, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        File.WriteAllText(Path.Combine(modelDirectory, "config.pbtxt"),
            $"name: \"{name}\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: {maxBatchSize}\n" +
            "input [\n  {\n    name: \"ignored\"\n    data_type: TYPE_UINT8\n    dims: [ 2, 2 ]\n  }\n]\n" +
            (dynamicBatching is null ? "" : $"dynamic_batching {{ {dynamicBatching} }}\n"));
        if (labels is not null)
            File.WriteAllLines(Path.Combine(modelDirectory, "labels.txt"), labels);
        return path;
    }

    /// <summary>
    /// Publishes a version the way export does: the file is written in a hidden staging folder beside the versions,
    /// then the version folder is moved into place in one rename, so a watcher never sees half a file.
    /// </summary>
    public static string Publish(string root, string name, int version, byte[] modelFile)
    {
        var staging = Path.Combine(root, name, $".staging-{version}-{Guid.NewGuid():N}");
        var stagedVersion = Path.Combine(staging, version.ToString());
        Directory.CreateDirectory(stagedVersion);
        File.WriteAllBytes(Path.Combine(stagedVersion, "model.onnx"), modelFile);
        var target = Path.Combine(root, name, version.ToString());
        Directory.Move(stagedVersion, target);
        Directory.Delete(staging);
        return Path.Combine(target, "model.onnx");
    }

    private static ModelProto Model(GraphProto graph, IReadOnlyDictionary<string, string>? metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "toolchain-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    private static ValueInfoProto Value(string name, int elementType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }

    private static TensorProto Floats(string name, float[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(data);
        return tensor;
    }

    private static TensorProto Longs(string name, long[] data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(data);
        return tensor;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
}

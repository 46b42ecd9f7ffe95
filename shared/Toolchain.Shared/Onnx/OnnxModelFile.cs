using Google.Protobuf;
using Toolchain.Files;
using Toolchain.Onnx.Proto;

namespace Toolchain.Onnx;

/// <summary>Reads and writes ONNX model files, resolving tensors stored as external data.</summary>
public static class OnnxModelFile
{
    public static ModelProto Load(string path)
    {
        if (!File.Exists(path))
            throw new OnnxFormatException($"ONNX model '{path}' does not exist");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"ONNX model '{path}' is not a valid ONNX protobuf file: {e.Message}", e);
        }
        if (model.Graph is null)
            throw new OnnxFormatException($"ONNX model '{path}' has no graph");
        LoadExternalData(model.Graph, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
        return model;
    }

    public static void Save(ModelProto model, string path) =>
        AtomicFile.Write(path, stream => model.WriteTo(stream));

    private static void LoadExternalData(GraphProto graph, string baseDirectory, string modelPath)
    {
        foreach (var tensor in graph.Initializer)
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External) continue;
            var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
            if (!entries.TryGetValue("location", out var location))
                throw new OnnxFormatException($"ONNX model '{modelPath}': initializer '{tensor.Name}' is external but names no location");
            var dataPath = Path.GetFullPath(Path.Combine(baseDirectory, location));
            if (!dataPath.StartsWith(baseDirectory, StringComparison.Ordinal))
                throw new OnnxFormatException($"ONNX model '{modelPath}': initializer '{tensor.Name}' points outside the model folder ('{location}')");
            if (!File.Exists(dataPath))
                throw new OnnxFormatException($"ONNX model '{modelPath}': external data file '{dataPath}' for initializer '{tensor.Name}' does not exist");
            long offset = entries.TryGetValue("offset", out var o) ? long.Parse(o) : 0;
            using var stream = File.OpenRead(dataPath);
            long length = entries.TryGetValue("length", out var l) ? long.Parse(l) : stream.Length - offset;
            if (offset < 0 || length < 0 || offset + length > stream.Length)
                throw new OnnxFormatException($"ONNX model '{modelPath}': initializer '{tensor.Name}' wants bytes {offset}..{offset + length} of '{dataPath}', which has {stream.Length}");
            var bytes = new byte[length];
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
            tensor.RawData = ByteString.CopyFrom(bytes);
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        }
        foreach (var node in graph.Node)
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null) LoadExternalData(attribute.G, baseDirectory, modelPath);
                foreach (var g in attribute.Graphs) LoadExternalData(g, baseDirectory, modelPath);
            }
    }
}

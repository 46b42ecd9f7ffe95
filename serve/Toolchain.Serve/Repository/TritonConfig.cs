using System.Globalization;
using System.Text.RegularExpressions;

namespace Toolchain.Serve.Repository;

/// <summary>
/// The fields of a Triton <c>config.pbtxt</c> that change how the server treats a model: its name, platform,
/// <c>max_batch_size</c> and <c>dynamic_batching</c> block. Other nested blocks (input, output, ...) are skipped;
/// the tensors themselves are read from the ONNX graph, which is the authority on them.
/// </summary>
public sealed partial record TritonConfig(string? Name, string Platform, int MaxBatchSize, DynamicBatching? Batching = null)
{
    public const string OnnxPlatform = "onnxruntime_onnx";

    public static readonly TritonConfig Default = new(null, OnnxPlatform, 0);

    public static TritonConfig Read(string path)
    {
        if (!File.Exists(path)) return Default;
        var text = File.ReadAllText(path);
        string? name = null;
        string platform = OnnxPlatform;
        int maxBatchSize = 0;
        string? batchingBlock = null;
        foreach (var (key, value, block) in TopLevelFields(text))
        {
            switch (key)
            {
                case "name":
                    name = Unquote(value);
                    break;
                case "platform":
                case "backend":
                    platform = Unquote(value) is "onnxruntime" ? OnnxPlatform : Unquote(value);
                    break;
                case "max_batch_size":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxBatchSize) || maxBatchSize < 0)
                        throw new ModelLoadException($"'{path}': max_batch_size must be a non-negative integer, got '{value}'");
                    break;
                case "dynamic_batching":
                    batchingBlock = block;
                    break;
            }
        }
        if (platform != OnnxPlatform)
            throw new ModelLoadException($"'{path}': platform '{platform}' is not served here; expected '{OnnxPlatform}'");
        if (batchingBlock is not null && maxBatchSize == 0)
            throw new ModelLoadException($"'{path}': dynamic_batching needs max_batch_size > 0 (the batch dimension to batch along)");
        var batching = batchingBlock is null ? null : DynamicBatching.Parse(batchingBlock, maxBatchSize, path);
        return new TritonConfig(name, platform, maxBatchSize, batching);
    }

    /// <summary>
    /// Yields <c>key: value</c> pairs outside any {...} or [...] block, ignoring comments; a key that opens a
    /// block at the top level comes with the block's inner text and an empty value.
    /// </summary>
    private static IEnumerable<(string Key, string Value, string? Block)> TopLevelFields(string text)
    {
        int depth = 0;
        (string Key, int Start)? open = null;
        foreach (Match token in Token().Matches(text))
        {
            var t = token.Value;
            if (t.StartsWith('#')) continue;
            if (t is "{" or "[")
            {
                depth++;
            }
            else if (t is "}" or "]")
            {
                depth--;
                if (depth == 0 && open is { } o)
                {
                    yield return (o.Key, "", text[o.Start..token.Index]);
                    open = null;
                }
            }
            else if (depth == 0 && token.Groups["key"].Success)
            {
                if (token.Groups["value"].Success)
                    yield return (token.Groups["key"].Value, token.Groups["value"].Value, null);
                else
                    open = (token.Groups["key"].Value, text.IndexOfAny(['{', '['], token.Index + token.Length) + 1);
            }
        }
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] is '"' or '\'' && value[^1] == value[0] ? value[1..^1] : value;

    // A comment, a bracket, or "key: scalar" where the scalar is a quoted string or a bare word.
    [GeneratedRegex("""#[^\n]*|[{}\[\]]|(?<key>[A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(?:(?<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s{}\[\],#]+)|(?=[{\[]))""")]
    private static partial Regex Token();
}

using System.Text;

namespace Toolchain.Tests.Serve;

/// <summary>
/// Generates requests a server must refuse, each with the status it must refuse it with, for a repository holding
/// <c>classifier</c> (UINT8 [N,2,2], config max_batch_size 8) and <c>adder</c> (FP32 [N,3] twice, INT64 [1]), served
/// with --max-request-bytes <see cref="BodyLimit"/> and --max-batch-size <see cref="BatchLimit"/>. Case <c>i</c> of a
/// seed is always the same request. Every generator is built so that its requests are certainly invalid (no
/// mutation that could happen to produce a valid request), so "every reply is an error" is a fair assertion.
/// </summary>
public static class MalformedRequests
{
    public const int BodyLimit = 64 * 1024;
    public const int BatchLimit = 16;

    public sealed record Case(string Kind, string Method, string Path, string? ContentType, byte[] Body, int[] Statuses);

    private const string Classifier = "/v2/models/classifier/infer";
    private const string Adder = "/v2/models/adder/infer";

    private static readonly Func<Random, Case>[] Generators =
    [
        Garbage, TokenSoup, Truncated, NonUtf8, HugeShape, WrongType, HugeNumber, DeepNesting, WrongContentType,
        Oversized, HugeBatch, NonFinite, ValueOutOfRange, CountMismatch, BadOutputs, BadRoute, BadInputs,
    ];

    public static Case Make(int seed, int index)
    {
        var random = new Random(HashCode.Combine(seed, index));
        return Generators[random.Next(Generators.Length)](random);
    }

    /// <summary>A valid classifier request for a batch of <paramref name="batch"/> (data may be overridden).</summary>
    public static string ClassifierBody(Random random, int batch, string? data = null, string shape = "", string datatype = "UINT8", string name = "pixels") =>
        $$"""{"inputs":[{"name":"{{name}}","shape":{{(shape.Length > 0 ? shape : $"[{batch},2,2]")}},"datatype":"{{datatype}}","data":{{data ?? Values(random, batch * 4)}}}]}""";

    private static string Values(Random random, int count) => "[" + string.Join(",", Enumerable.Range(0, count).Select(_ => random.Next(256))) + "]";

    private static Case Refused(string kind, string body, string path = Classifier, int status = 400) =>
        new(kind, "POST", path, "application/json", Encoding.UTF8.GetBytes(body), [status]);

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static Case Garbage(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        if (bytes.Length > 0 && bytes[0] == (byte)'{') bytes[0] = (byte)'x';
        return new Case("garbage bytes", "POST", Classifier, "application/json", bytes, [400]);
    }

    private static Case TokenSoup(Random random)
    {
        string[] tokens = ["{", "}", "[", "]", ":", ",", "\"inputs\"", "\"name\"", "\"pixels\"", "\"shape\"", "\"data\"", "null", "true", "1e999", "-0", "\"\\u0000\"", "\"\\ud800\"", "nul", "'x'", "//", "NaN"];
        var body = new StringBuilder("{");
        for (int i = random.Next(1, 40); i > 0; i--) body.Append(Pick(random, tokens));
        body.Append(",,"); // never valid JSON
        return Refused("token soup", body.ToString());
    }

    private static Case Truncated(Random random)
    {
        var body = ClassifierBody(random, random.Next(1, 9));
        return Refused("truncated JSON", body[..random.Next(0, body.Length)]);
    }

    private static Case NonUtf8(Random random)
    {
        var body = Encoding.UTF8.GetBytes(ClassifierBody(random, random.Next(1, 9))).ToList();
        byte[][] invalid = [[0xFF], [0xFE], [0xC0, 0xAF], [0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];
        for (int i = random.Next(1, 4); i > 0; i--)
            body.InsertRange(random.Next(1, body.Count - 1), Pick(random, invalid));
        return new Case("non-UTF-8 bytes", "POST", Classifier, "application/json", [.. body], [400]);
    }

    private static Case HugeShape(Random random)
    {
        var shape = Pick(random,
            "[1099511627776,2,2]", "[1e30,2,2]", "[-1,2,2]", "[1.5,2,2]", "[\"1\",2,2]", "[9223372036854775807,9223372036854775807,2]",
            "[" + string.Join(",", Enumerable.Repeat(2, 64)) + "]", "[]", "[18446744073709551616,2,2]", "[1,2,2,1,1,1,1,1,1]", "{}", "7", "null");
        return Refused("huge or malformed shape", ClassifierBody(random, 1, shape: shape));
    }

    private static Case WrongType(Random random) => Refused("wrong types", Pick(random,
        ClassifierBody(random, 1, datatype: "FP32"),
        ClassifierBody(random, 1, datatype: "UINT9"),
        ClassifierBody(random, 1, datatype: "uint8"),
        ClassifierBody(random, 1, data: "{}"),
        ClassifierBody(random, 1, data: "\"0,1,2,3\""),
        ClassifierBody(random, 1, data: "true"),
        ClassifierBody(random, 1, data: "null"),
        """{"inputs":[{"name":5,"shape":[1,2,2],"datatype":"UINT8","data":[0,0,0,0]}]}""",
        """{"inputs":{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","data":[0,0,0,0]}}""",
        """{"inputs":"pixels"}""",
        """{"inputs":[7]}""",
        """{"inputs":[{"shape":[1,2,2],"datatype":"UINT8","data":[0,0,0,0]}]}""",
        """{"inputs":[{"name":"pixels","datatype":"UINT8","data":[0,0,0,0]}]}""",
        """{"inputs":[{"name":"pixels","shape":[1,2,2],"data":[0,0,0,0]}]}""",
        """{"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8"}]}""",
        """{"id":{"a":1},"inputs":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","data":[0,0,0,0]}]}""",
        """{"input":[{"name":"pixels","shape":[1,2,2],"datatype":"UINT8","data":[0,0,0,0]}]}""",
        "[]", "null", "42", "\"inputs\""));

    private static Case HugeNumber(Random random)
    {
        var huge = Pick(random, "1e400", "-1e400", "123456789012345678901234567890", "1e308", "18446744073709551616", "-9223372036854775809", "1e39", "3.5e38");
        if (random.Next(2) == 0)
            return Refused("huge number", ClassifierBody(random, 1, data: $"[0,{huge},0,0]"));
        var a = huge is "3.5e38" or "1e39" or "1e400" or "-1e400" or "1e308" ? huge : "1e39";
        return Refused("huge number", AdderBody($"[1,{a},3]"), Adder);
    }

    private static Case DeepNesting(Random random)
    {
        int depth = random.Next(65, 20_000);
        var nested = new string('[', depth) + "0" + new string(']', depth);
        return Refused("deep nesting", random.Next(2) == 0 ? ClassifierBody(random, 1, data: nested) : nested);
    }

    private static Case WrongContentType(Random random)
    {
        var type = Pick(random, "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
            "application/json; charset=utf-16", "image/png", "*/*", "application/octet-stream", "json", ";;;", "application/json-seq");
        return new Case("wrong content type", "POST", Classifier, type, Encoding.UTF8.GetBytes(ClassifierBody(random, 1)), [415]);
    }

    private static Case Oversized(Random random)
    {
        var valid = ClassifierBody(random, 1);
        var padding = new string(' ', random.Next(BodyLimit, 4 * BodyLimit));
        return Refused("oversized body", valid.Insert(1, padding), status: 413);
    }

    private static Case HugeBatch(Random random)
    {
        int batch = random.Next(9, 200);
        return Refused("batch over the limits", ClassifierBody(random, batch));
    }

    private static Case NonFinite(Random random) =>
        Refused("non-finite value", AdderBody($"[1,{Pick(random, "\"NaN\"", "\"Infinity\"", "\"-Infinity\"")},3]"), Adder);

    private static Case ValueOutOfRange(Random random) =>
        Refused("value out of range", ClassifierBody(random, 1, data: $"[0,{Pick(random, "256", "-1", "1.5", "\"7\"", "true", "null", "[]", "{}", "1e-5")},0,0]"));

    private static Case CountMismatch(Random random)
    {
        int batch = random.Next(1, 9);
        int count = batch * 4 + Pick(random, -3, -2, -1, 1, 2, 5, 100);
        return Refused("value count mismatch", ClassifierBody(random, batch, data: Values(random, Math.Max(0, count))));
    }

    private static Case BadOutputs(Random random)
    {
        var outputs = Pick(random,
            """[{"name":"scores"}]""", """[{"name":"logits","parameters":{"classification":0}}]""",
            """[{"name":"logits","parameters":{"classification":"3"}}]""", """[{"name":"logits","parameters":{"binary_data":"yes"}}]""",
            """[{"name":"logits"},{"name":"logits"}]""", "5", """[{"nam":"logits"}]""", """[7]""");
        var body = ClassifierBody(random, 1);
        return Refused("bad outputs", body[..^1] + $",\"outputs\":{outputs}}}");
    }

    private static Case BadRoute(Random random)
    {
        var body = Encoding.UTF8.GetBytes(ClassifierBody(random, 1));
        return random.Next(8) switch
        {
            0 => new Case("wrong method", "GET", Classifier, null, [], [404, 405]),
            1 => new Case("wrong method", "PUT", Classifier, "application/json", body, [404, 405]),
            2 => new Case("wrong method", "DELETE", "/v2/models/classifier", null, [], [404, 405]),
            3 => new Case("unknown model", "POST", "/v2/models/nosuch/infer", "application/json", body, [404]),
            4 => new Case("unknown version", "POST", $"/v2/models/classifier/versions/{random.Next(2, 1000)}/infer", "application/json", body, [404]),
            5 => new Case("bad version", "POST", $"/v2/models/classifier/versions/{Pick(random, "latest", "0", "01", "-1", "1.0", "1%2F..")}/infer", "application/json", body, [404]),
            6 => new Case("traversal", "POST", $"/v2/models/{Pick(random, "..%2Fclassifier", "%2Fetc%2Fpasswd", "..%5C..%5Cclassifier", "classifier%2F1")}/infer", "application/json", body, [404]),
            _ => new Case("unknown route", "POST", $"/v2/models/classifier/{Pick(random, "predict", "explain", "infer/x")}", "application/json", body, [404]),
        };
    }

    private static Case BadInputs(Random random) => Refused("inputs that do not fit the model", Pick(random,
        """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}""",
        """{"inputs":[{"name":"count","shape":[1],"datatype":"INT64","data":[1]},{"name":"count","shape":[1],"datatype":"INT64","data":[1]}]}""",
        AdderBody("[1,2,3]").Replace("\"b\"", "\"c\""),
        AdderBody("[1,2,3]").Replace("\"shape\":[1],", "\"shape\":[2],"),
        """{"inputs":[{"name":"a","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]},{"name":"b","shape":[3,3],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9]},{"name":"count","shape":[1],"datatype":"INT64","data":[1]}]}""",
        """{"inputs":[]}"""), Adder);

    private static string AdderBody(string a) =>
        $$"""{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":{{a}}},{"name":"b","shape":[1,3],"datatype":"FP32","data":[1,2,3]},{"name":"count","shape":[1],"datatype":"INT64","data":[1]}]}""";
}

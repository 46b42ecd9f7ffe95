using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Protocol;

namespace Toolchain.Tests.Serve;

/// <summary>Every protocol datatype decodes to the exact typed values, and values the type cannot hold are refused by index.</summary>
[TestFixture]
public sealed class TensorDecoderTests
{
    public static IEnumerable<TestCaseData> Decodes()
    {
        TestCaseData Case(string datatype, string json, Array expected) =>
            new TestCaseData(datatype, json, expected).SetName($"{datatype} decodes {json}");

        yield return Case("BOOL", "[true, false, true]", new[] { true, false, true });
        yield return Case("UINT8", "[0, 255, 3.0]", new byte[] { 0, 255, 3 });
        yield return Case("INT8", "[-128, 127, -1]", new sbyte[] { -128, 127, -1 });
        yield return Case("UINT16", "[0, 65535, 7]", new ushort[] { 0, 65535, 7 });
        yield return Case("INT16", "[-32768, 32767, 0]", new short[] { -32768, 32767, 0 });
        yield return Case("UINT32", "[0, 4294967295, 1]", new uint[] { 0, 4294967295, 1 });
        yield return Case("INT32", "[-2147483648, 2147483647, 2]", new[] { int.MinValue, int.MaxValue, 2 });
        yield return Case("UINT64", "[0, 18446744073709551615, 1e3]", new ulong[] { 0, ulong.MaxValue, 1000 });
        yield return Case("INT64", "[-9223372036854775808, 9223372036854775807, 9007199254740993]", new[] { long.MinValue, long.MaxValue, 9007199254740993L });
        yield return Case("FP32", """[0.1, -3.4e38, "NaN"]""", new[] { 0.1f, -3.4e38f, float.NaN });
        yield return Case("FP64", """[0.1, 1e308, "-Infinity"]""", new[] { 0.1, 1e308, double.NegativeInfinity });
        yield return Case("FP16", "[0.5, -65504, 1]", new[] { (Float16)0.5f, (Float16)(-65504f), (Float16)1f });
        yield return Case("BF16", "[0.5, -2, 1]", new[] { (BFloat16)0.5f, (BFloat16)(-2f), (BFloat16)1f });
        yield return Case("BYTES", """["a", "", "ü"]""", new[] { "a", "", "ü" });
    }

    [TestCaseSource(nameof(Decodes))]
    public void Decodes_exact_values(string datatype, string json, Array expected)
    {
        var decoded = Decode(datatype, [3], json, allowNonFinite: true);

        Assert.That(decoded.GetType(), Is.EqualTo(expected.GetType()));
        Assert.That(decoded, Is.EqualTo(expected));
    }

    [Test]
    public void Nested_arrays_flatten_in_row_major_order()
    {
        var decoded = Decode("INT32", [2, 3], "[[1, 2, 3], [4, 5, 6]]");

        Assert.That(decoded, Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void A_scalar_shape_takes_a_single_value()
    {
        Assert.That(Decode("FP64", [], "2.5"), Is.EqualTo(new[] { 2.5 }));
    }

    public static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData Case(string datatype, string json, string message) =>
            new TestCaseData(datatype, json, message).SetName($"{datatype} refuses {json}");

        yield return Case("UINT8", "[1, 256, 2]", "input 't': value 256 at index 1 is out of range for UINT8 [0, 255]");
        yield return Case("INT8", "[1, 2, -129]", "input 't': value -129 at index 2 is out of range for INT8 [-128, 127]");
        yield return Case("UINT32", "[1, -1, 2]", "input 't': value -1 at index 1 is out of range for UINT32 [0, 4294967295]");
        yield return Case("INT64", "[1, 9223372036854775808, 2]", "input 't': value 9223372036854775808 at index 1 is out of range for INT64");
        yield return Case("UINT64", "[18446744073709551616, 1, 2]", "input 't': value 18446744073709551616 at index 0 is out of range for UINT64");
        yield return Case("INT32", "[1, 2, 2.5]", "input 't': value 2.5 at index 2 is not an integer (INT32)");
        yield return Case("INT32", "[1, true, 2]", "input 't': value true at index 1 is not a number");
        yield return Case("FP32", "[1, 2, 1e39]", "input 't': value 1e39 at index 2 is out of range for FP32");
        yield return Case("FP16", "[1, 70000, 2]", "input 't': value 70000 at index 1 is out of range for FP16");
        yield return Case("FP32", """[1, "one", 2]""", "input 't': value \"one\" at index 1 is not a number");
        yield return Case("FP32", "[1, null, 2]", "input 't': value null at index 1 is not a number");
        yield return Case("BOOL", "[true, 1, false]", "input 't': value 1 at index 1 is not a boolean");
        yield return Case("BYTES", """["a", 5, "b"]""", "input 't': value 5 at index 1 is not a string");
        yield return Case("INT32", "[1, 2]", "input 't': shape [3] needs 3 values, got 2");
        yield return Case("INT32", "[[1, 2], [3, 4]]", "input 't': shape [3] needs 3 values, got 4");
        yield return Case("FP32", """[1, "NaN", 2]""", "input 't': value \"NaN\" at index 1 is not finite; NaN and infinities are refused unless the server runs with --allow-non-finite");
        yield return Case("FP64", """["Infinity", 1, 2]""", "input 't': value \"Infinity\" at index 0 is not finite");
        yield return Case("FP16", """[1, 2, "-Infinity"]""", "input 't': value \"-Infinity\" at index 2 is not finite");
        yield return Case("BF16", """["NaN", 1, 2]""", "input 't': value \"NaN\" at index 0 is not finite");
        yield return Case("FP64", "[1, 1e400, 2]", "input 't': value 1e400 at index 1 is out of range for FP64");
        yield return Case("FP32", """[1, "nan", 2]""", "input 't': value \"nan\" at index 1 is not a number");
    }

    [Test]
    public void Allowing_non_finite_values_still_refuses_numbers_out_of_range()
    {
        var e = Assert.Throws<InferenceRequestException>(() => Decode("FP32", [3], """["NaN", 1e39, 1]""", allowNonFinite: true));

        Assert.That(e!.Message, Does.StartWith("input 't': value 1e39 at index 1 is out of range for FP32"));
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses_values_the_datatype_cannot_hold(string datatype, string json, string message)
    {
        var e = Assert.Throws<InferenceRequestException>(() => Decode(datatype, [3], json));

        Assert.That(e!.Message, Does.StartWith(message));
    }

    private static Array Decode(string datatype, long[] shape, string json, bool allowNonFinite = false)
    {
        Assert.That(DataType.TryParse(datatype, out var type), Is.True);
        using var document = JsonDocument.Parse(json);
        return TensorDecoder.Decode(new RequestInput("t", shape, type, document.RootElement), allowNonFinite);
    }
}

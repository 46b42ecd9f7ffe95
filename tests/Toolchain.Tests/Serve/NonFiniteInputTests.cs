using System.Net;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>NaN and infinities in floating-point inputs are refused with 400 unless the server runs with --allow-non-finite.</summary>
[TestFixture]
public sealed class NonFiniteInputTests
{
    private const string Request = """
        {"inputs": [
          {"name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, "NaN", "-Infinity"]},
          {"name": "b", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]},
          {"name": "count", "shape": [1], "datatype": "INT64", "data": [1]}
        ]}
        """;

    [Test]
    public async Task Refused_by_default()
    {
        await using var host = await ServeTestHost.StartAsync(root => TestModels.Write(root, "adder", 1, TestModels.Adder()));

        var (status, error) = await host.PostAsync("/v2/models/adder/infer", Request);

        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(error["error"]!.GetValue<string>(), Is.EqualTo(
            "input 'a': value \"NaN\" at index 1 is not finite; NaN and infinities are refused unless the server runs with --allow-non-finite"));
    }

    [Test]
    public async Task Accepted_and_carried_through_with_allow_non_finite()
    {
        await using var host = await ServeTestHost.StartAsync(root => TestModels.Write(root, "adder", 1, TestModels.Adder()), o => o with { AllowNonFinite = true });

        var (status, body) = await host.PostAsync("/v2/models/adder/infer", Request);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToJsonString());
        var sum = InferRoundTripTests.Outputs(body)["sum"]["data"]!.AsArray().Select(v => v!.ToJsonString()).ToArray();
        Assert.That(sum, Is.EqualTo(new[] { "2", "\"NaN\"", "\"-Infinity\"" }));
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The toolchain-serve and toolchain-eval executables as a user runs them, as child processes: the server
/// prints the URL it bound and answers on it; bad options and unusable set-ups exit non-zero with a message.
/// </summary>
[TestFixture]
public sealed partial class CommandLineTests
{
    private string root = null!;

    [SetUp]
    public void MakeRepository()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-cli-tests", Guid.NewGuid().ToString("N"));
        TestModels.Write(root, "brightest", 1, TestModels.BrightestPixel());
    }

    [TearDown]
    public void RemoveRepository() => Directory.Delete(root, recursive: true);

    [Test]
    public async Task Serve_prints_the_bound_url_and_answers_on_it()
    {
        using var server = Start("toolchain-serve", "--models", root, "--port", "0");
        try
        {
            var url = await WaitForListening(server, TimeSpan.FromSeconds(30));
            using var client = new HttpClient { BaseAddress = new Uri(url) };

            using var ready = await client.GetAsync("/v2/health/ready");
            using var model = await client.GetAsync("/v2/models/brightest");

            Assert.That(url, Does.Match(@"^http://127\.0\.0\.1:\d+$"));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await model.Content.ReadAsStringAsync(), Does.Contain("\"name\":\"pixels\""));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [TestCase("--port", "70000", "--port: expected 0 to 65535, got 70000")]
    [TestCase("--host", "my-host", "--host: expected an IP address")]
    [TestCase("--host", "0.0.0.0", "--host 0.0.0.0 is not a loopback address, so other machines could call the server; pass --allow-remote")]
    [TestCase("--models", "/nonexistent/models", "model repository '/nonexistent/models' does not exist")]
    public async Task Serve_refuses_bad_options_with_a_message(string option, string value, string message)
    {
        var options = new Dictionary<string, string> { ["--port"] = "0", ["--models"] = root, [option] = value };
        using var server = Start("toolchain-serve", [.. options.SelectMany(o => new[] { o.Key, o.Value })]);
        var (exitCode, output) = await Finish(server, TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.Not.EqualTo(0));
        Assert.That(output, Does.Contain(message));
    }

    [Test]
    public async Task Serve_with_cuda_fails_clearly_where_cuda_cannot_be_used()
    {
        Assume.That(File.Exists("/dev/nvidia0"), Is.False, "this machine has a GPU; CUDA may well work here");

        using var server = Start("toolchain-serve", "--port", "0", "--models", root, "--device", "cuda");
        var (exitCode, output) = await Finish(server, TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("--device cuda: ONNX Runtime's CUDA execution provider cannot be used here"));
    }

    [Test]
    public async Task Eval_against_no_server_says_so_and_exits_non_zero()
    {
        Toolchain.Data.IdxFile.Write(Path.Combine(root, Toolchain.Eval.TestSet.ImagesFile), [1, 2, 2], new byte[4]);
        Toolchain.Data.IdxFile.Write(Path.Combine(root, Toolchain.Eval.TestSet.LabelsFile), [1], new byte[1]);
        int port = EvalClientTests.ClosedPort();
        using var eval = Start("toolchain-eval", "--model", "brightest", "--url", $"http://127.0.0.1:{port}", "--data", root, "--out", Path.Combine(root, "eval.json"));
        var (exitCode, output) = await Finish(eval, TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain($"toolchain-eval: cannot reach the inference server at http://127.0.0.1:{port}/"));
        Assert.That(File.Exists(Path.Combine(root, "eval.json")), Is.False);
    }

    private static Process Start(string program, params string[] args)
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, $"{program}.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} is built with the tests");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info)!;
    }

    private static async Task<string> WaitForListening(Process server, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await server.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success) return match.Groups[1].Value;
        }
        Assert.Fail($"server exited ({server.ExitCode}) without a 'Listening on' line: {await server.StandardError.ReadToEndAsync()}");
        return "";
    }

    private static async Task<(int ExitCode, string Output)> Finish(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"process did not exit within {timeout}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^Listening on (http://\S+)$")]
    private static partial Regex ListeningLine();
}

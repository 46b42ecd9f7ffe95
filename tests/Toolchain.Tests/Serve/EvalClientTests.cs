using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NUnit.Framework;
using Spectre.Console;
using Toolchain.Data;
using Toolchain.Eval;

namespace Toolchain.Tests.Serve;

/// <summary>
/// toolchain-eval against a live test server on a tiny IDX set whose answers are known: the brightest-pixel
/// model predicts the index of the largest of four pixels, and the labels are chosen so that 7 of 10 are right.
/// </summary>
[TestFixture]
public sealed class EvalClientTests
{
    private static readonly string[] Corners = ["top-left", "top-right", "bottom-left", "bottom-right"];

    // Brightest pixel of each image (what the model predicts) and the label the data set gives it.
    private static readonly int[] Brightest = [0, 1, 2, 3, 0, 1, 2, 3, 3, 1];
    private static readonly byte[] TrueLabels = [0, 1, 2, 3, 0, 1, 2, 0, 2, 3];

    private ServeTestHost host = null!;
    private string data = null!;

    [OneTimeSetUp]
    public async Task StartServerAndWriteData()
    {
        host = await ServeTestHost.StartAsync(root => TestModels.Write(root, "brightest", 1, TestModels.BrightestPixel(), Corners));
        data = Path.Combine(host.Repository, "data");
        Directory.CreateDirectory(data);
        var pixels = new byte[Brightest.Length * 4];
        for (int i = 0; i < Brightest.Length; i++)
            for (int p = 0; p < 4; p++)
                pixels[i * 4 + p] = (byte)(p == Brightest[i] ? 200 + i : 10 * p + i);
        IdxFile.Write(Path.Combine(data, TestSet.ImagesFile), [Brightest.Length, 2, 2], pixels);
        IdxFile.Write(Path.Combine(data, TestSet.LabelsFile), [TrueLabels.Length], TrueLabels);
    }

    [OneTimeTearDown]
    public async Task StopServer() => await host.DisposeAsync();

    [Test]
    public async Task Eval_reports_accuracy_precision_recall_and_confusion_matrix()
    {
        var output = Path.Combine(host.Repository, "runs", "brightest", "eval.json");
        var console = new StringWriter();

        var report = await Evaluator.RunAsync(Options(output, batch: 3), QuietConsole(console), CancellationToken.None);

        long[][] expected =
        [
            [2, 0, 0, 1],
            [0, 2, 0, 0],
            [0, 0, 2, 1],
            [0, 1, 0, 1],
        ];
        Assert.Multiple(() =>
        {
            Assert.That(report.Samples, Is.EqualTo(10));
            Assert.That(report.Accuracy, Is.EqualTo(0.7));
            Assert.That(report.ConfusionMatrix, Is.EqualTo(expected));
            Assert.That(report.Labels, Is.EqualTo(Corners), "labels from the server's model metadata");
            Assert.That(report.ModelVersion, Is.EqualTo("1"));
            Assert.That(report.PerClass.Select(c => c.Precision), Is.EqualTo(new[] { 1.0, 2 / 3.0, 1.0, 1 / 3.0 }).Within(1e-12));
            Assert.That(report.PerClass.Select(c => c.Recall), Is.EqualTo(new[] { 2 / 3.0, 1.0, 2 / 3.0, 0.5 }).Within(1e-12));
            Assert.That(report.PerClass.Select(c => c.Support), Is.EqualTo(new long[] { 3, 2, 3, 2 }));
        });

        var written = EvalReport.Read(output);
        Assert.That(written.Accuracy, Is.EqualTo(0.7));
        Assert.That(written.ConfusionMatrix, Is.EqualTo(expected));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(output)!), Is.EqualTo(new[] { output }), "no temp file left behind");
        using var json = JsonDocument.Parse(File.ReadAllText(output));
        Assert.That(json.RootElement.GetProperty("per_class")[2].GetProperty("label").GetString(), Is.EqualTo("bottom-left"));

        var text = console.ToString();
        Assert.That(text, Does.Contain("70.00%"));
        Assert.That(text, Does.Contain("3 bottom-right"));
    }

    [Test]
    public async Task Batch_size_does_not_change_the_result()
    {
        var one = await Evaluator.RunAsync(Options(Path.Combine(host.Repository, "one.json"), batch: 1), QuietConsole(new StringWriter()), CancellationToken.None);
        var all = await Evaluator.RunAsync(Options(Path.Combine(host.Repository, "all.json"), batch: 256), QuietConsole(new StringWriter()), CancellationToken.None);

        Assert.That(one.ConfusionMatrix, Is.EqualTo(all.ConfusionMatrix));
        Assert.That(one.Accuracy, Is.EqualTo(0.7));
    }

    [Test]
    public void An_unreachable_server_is_reported_clearly()
    {
        var closed = new Uri($"http://127.0.0.1:{ClosedPort()}");
        var options = Options(Path.Combine(host.Repository, "never.json"), batch: 4) with { Url = closed };

        var e = Assert.ThrowsAsync<EvalException>(() => Evaluator.RunAsync(options, QuietConsole(new StringWriter()), CancellationToken.None));

        Assert.That(e!.Message, Does.StartWith($"cannot reach the inference server at {closed}"));
        Assert.That(File.Exists(Path.Combine(host.Repository, "never.json")), Is.False);
    }

    [Test]
    public void An_unknown_model_is_reported_with_the_servers_message()
    {
        var options = Options(Path.Combine(host.Repository, "never.json"), batch: 4) with { Model = "nosuch" };

        var e = Assert.ThrowsAsync<EvalException>(() => Evaluator.RunAsync(options, QuietConsole(new StringWriter()), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("404"));
        Assert.That(e.Message, Does.Contain("unknown model 'nosuch'; available models: brightest"));
    }

    [Test]
    public void A_missing_data_folder_is_reported_by_path()
    {
        var options = Options(Path.Combine(host.Repository, "never.json"), batch: 4) with { DataDirectory = Path.Combine(data, "nope") };

        var e = Assert.ThrowsAsync<EvalException>(() => Evaluator.RunAsync(options, QuietConsole(new StringWriter()), CancellationToken.None));

        Assert.That(e!.Message, Does.Contain($"data folder '{Path.Combine(data, "nope")}' does not exist"));
    }

    /// <summary>A loopback port nothing listens on: bound, read, released.</summary>
    internal static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private EvalOptions Options(string output, int batch) => new("brightest", host.Url, data, batch, output);

    private static IAnsiConsole QuietConsole(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });
}

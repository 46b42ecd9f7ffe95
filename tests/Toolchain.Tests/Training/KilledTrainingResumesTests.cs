using System.Diagnostics;
using NUnit.Framework;
using Toolchain.Checkpoints;
using Toolchain.Data;
using Toolchain.Tests.Support;

namespace Toolchain.Tests.Training;

/// <summary>A training process killed with SIGKILL and resumed ends where an uninterrupted run ends.</summary>
public sealed class KilledTrainingResumesTests
{
    private const int Epochs = 12;

    [Test]
    public void A_run_killed_mid_training_resumes_to_the_same_losses_and_weights()
    {
        using var temp = new TempDirectory();
        WriteImages(temp.Path);
        var recipe = temp.File("recipe.yaml");
        File.WriteAllText(recipe, $$"""
            name: killed
            data: { path: {{temp.Path}}, validation_size: 300 }
            model:
              input_shape: [12, 12]
              layers: [{ type: flatten }, { type: linear, units: 64, name: fc1 }, { type: relu }, { type: linear, units: 4, name: fc2 }]
            optimizer: { name: adam, lr: 0.002 }
            training: { batch_size: 2, epochs: {{Epochs}}, seed: 11, keep_checkpoints: 20 }
            """);

        var straight = Train(recipe, temp.File("straight"));
        Assert.That(straight.WaitForExit(120_000) && straight.ExitCode == 0, Is.True, straight.StandardError.ReadToEnd());

        var victim = Train(recipe, temp.File("killed"));
        var metrics = Path.Combine(temp.File("killed"), "killed", "metrics.jsonl");
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 2) && deadline.Elapsed < TimeSpan.FromSeconds(60) && !victim.HasExited)
            Thread.Sleep(5);
        Assert.That(victim.HasExited, Is.False, "the run finished before it could be killed");
        victim.Kill();
        victim.WaitForExit();
        var linesAtKill = File.ReadAllLines(metrics).Length;
        Assert.That(linesAtKill, Is.LessThan(Epochs));

        var resumed = Train(recipe, temp.File("killed"), "--resume");
        Assert.That(resumed.WaitForExit(120_000) && resumed.ExitCode == 0, Is.True, resumed.StandardError.ReadToEnd());

        Assert.That(File.ReadAllLines(metrics).Select(TrainLoss), Is.EqualTo(File.ReadAllLines(Path.Combine(temp.File("straight"), "killed", "metrics.jsonl")).Select(TrainLoss)));
        var final = $"epoch-{Epochs:D4}.safetensors";
        var a = Checkpoint.Load(Path.Combine(temp.File("straight"), "killed", "checkpoints", final));
        var b = Checkpoint.Load(Path.Combine(temp.File("killed"), "killed", "checkpoints", final));
        foreach (var name in new[] { "fc1.weight", "fc2.bias", "optimizer/fc1.weight/exp_avg_sq" })
            Assert.That(b.Tensors[name].Data, Is.EqualTo(a.Tensors[name].Data), name);
    }

    private static string TrainLoss(string jsonLine) => System.Text.Json.JsonDocument.Parse(jsonLine).RootElement.GetProperty("train_loss").GetRawText();

    private static Process Train(string recipe, string runs, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { RepositoryPaths.Program("train/Toolchain.Train", "toolchain-train"), "--recipe", recipe, "--runs", runs, "--training.threads", "1" }.Concat(extra))
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>Four classes of 12×12 images: a bright quadrant per class plus noise.</summary>
    private static void WriteImages(string directory)
    {
        const int count = 1800;
        var random = new Random(5);
        var pixels = new byte[count * 144];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int c = random.Next(4);
            labels[i] = (byte)c;
            for (int y = 0; y < 12; y++)
                for (int x = 0; x < 12; x++)
                {
                    bool bright = (y < 6) == (c < 2) && (x < 6) == (c % 2 == 0);
                    pixels[i * 144 + y * 12 + x] = (byte)Math.Clamp((bright ? 150 : 60) + random.Next(-60, 60), 0, 255);
                }
        }
        IdxFile.Write(Path.Combine(directory, "train-images-idx3-ubyte.gz"), [count, 12, 12], pixels);
        IdxFile.Write(Path.Combine(directory, "train-labels-idx1-ubyte.gz"), [count], labels);
    }
}

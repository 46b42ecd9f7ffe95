using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Toolchain.Tests.Serve;

/// <summary>
/// toolchain-serve as a child process, as an operator runs it: started on an ephemeral loopback port, its output
/// drained continuously (so a chatty server never blocks on a full pipe) and kept for failure messages. Can be
/// sent SIGTERM, and its working set read. Disposing kills it if it is still running.
/// </summary>
public sealed partial class ServerProcess : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new AssertionException($"server exited ({process.ExitCode}) before listening:\n{Output}"));
    }

    public Uri Url { get; private set; } = null!;

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Everything the server has printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (output) return output.ToString();
        }
    }

    /// <summary>The server's resident memory now.</summary>
    public long WorkingSetBytes
    {
        get
        {
            process.Refresh();
            return process.WorkingSet64;
        }
    }

    /// <summary>Starts the server on <paramref name="repository"/> at 127.0.0.1 on any free port and waits until it listens.</summary>
    public static Task<ServerProcess> StartAsync(string repository, params string[] args) => StartAsync(repository, null, args);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with extra environment variables for the server.</summary>
    public static async Task<ServerProcess> StartAsync(string repository, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "toolchain-serve.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} is built with the tests");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        info.ArgumentList.Add(dll);
        foreach (var arg in new[] { "--models", repository, "--host", "127.0.0.1", "--port", "0" }.Concat(args))
            info.ArgumentList.Add(arg);
        var server = new ServerProcess(new Process { StartInfo = info, EnableRaisingEvents = true });
        server.process.Start();
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            server.Url = new Uri(await server.listening.Task.WaitAsync(timeout.Token));
        }
        catch (OperationCanceledException)
        {
            server.Dispose();
            Assert.Fail($"server did not print 'Listening on' within 30 s:\n{server.Output}");
        }
        return server;
    }

    /// <summary>Sends SIGTERM, as systemd, Docker and Kubernetes do to stop a service.</summary>
    public void Terminate()
    {
        if (Kill(process.Id, SigTerm) != 0)
            Assert.Fail($"kill({process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the process to exit; fails the test if it does not within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"server did not exit within {timeout.TotalSeconds} s:\n{Output}");
        }
        return process.ExitCode;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            if (output.Length < 1_000_000) output.AppendLine(line);
        }
        var match = ListeningLine().Match(line);
        if (match.Success) listening.TrySetResult(match.Groups[1].Value);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"^Listening on (http://\S+)$")]
    private static partial Regex ListeningLine();
}

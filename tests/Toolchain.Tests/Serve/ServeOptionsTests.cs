using NUnit.Framework;
using Toolchain.Serve;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The server's options are safe by default and checked in one place: loopback only unless --allow-remote says
/// otherwise, and every limit out of range is refused with a message naming its option.
/// </summary>
[TestFixture]
public sealed class ServeOptionsTests
{
    [Test]
    public void The_defaults_are_the_documented_safe_values_and_pass_the_checks()
    {
        var options = new ServeOptions();

        Assert.That(options.Problems(), Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(options.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(options.AllowRemote, Is.False);
            Assert.That(options.Token, Is.Null);
            Assert.That(options.MaxRequestBodyBytes, Is.EqualTo(16 * 1024 * 1024));
            Assert.That(options.MaxBatchSize, Is.EqualTo(1024));
            Assert.That(options.MaxConcurrency, Is.EqualTo(Environment.ProcessorCount));
            Assert.That(options.MaxQueue, Is.EqualTo(64));
            Assert.That(options.QueueTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.AllowNonFinite, Is.False);
            Assert.That(options.ReloadInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.ShutdownTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
        });
    }

    [TestCase("0.0.0.0")]
    [TestCase("192.168.1.20")]
    [TestCase("::")]
    [TestCase("2001:db8::1")]
    public void A_host_other_machines_can_reach_needs_allow_remote(string host)
    {
        var refused = new ServeOptions(Host: host).Problems().ToList();
        var allowed = new ServeOptions(Host: host) { AllowRemote = true }.Problems();

        Assert.That(refused, Has.Count.EqualTo(1));
        Assert.That(refused[0], Does.StartWith($"--host {host} is not a loopback address, so other machines could call the server; pass --allow-remote"));
        Assert.That(allowed, Is.Empty);
    }

    [TestCase("127.0.0.1")]
    [TestCase("127.0.0.2")]
    [TestCase("::1")]
    [TestCase("localhost")]
    public void Loopback_hosts_need_no_flag(string host)
    {
        Assert.That(new ServeOptions(Host: host).Problems(), Is.Empty);
    }

    public static IEnumerable<TestCaseData> OutOfRange()
    {
        TestCaseData Case(ServeOptions options, string message) =>
            new TestCaseData(options, message).SetName($"Refuses {message} ({options.Token ?? options.Host} {options.MaxRequestBodyBytes})");
        var o = new ServeOptions();
        yield return Case(o with { Port = 70000 }, "--port: expected 0 to 65535, got 70000");
        yield return Case(o with { Host = "my-host" }, "--host: expected an IP address such as 127.0.0.1 or 0.0.0.0, or 'localhost'; got 'my-host'");
        yield return Case(o with { Token = "" }, "--token: expected a non-empty token without spaces");
        yield return Case(o with { Token = "two words" }, "--token: expected a non-empty token without spaces");
        yield return Case(o with { MaxRequestBodyBytes = 10 }, "--max-request-bytes: expected 1024 to 1073741824 (1 GiB), got 10");
        yield return Case(o with { MaxRequestBodyBytes = 2L << 30 }, "--max-request-bytes: expected 1024 to 1073741824 (1 GiB), got 2147483648");
        yield return Case(o with { MaxBatchSize = -1 }, "--max-batch-size: expected 0 (no limit) or more, got -1");
        yield return Case(o with { MaxConcurrency = 0 }, "--max-concurrency: expected 1 or more, got 0");
        yield return Case(o with { MaxQueue = -2 }, "--max-queue: expected 0 or more, got -2");
        yield return Case(o with { QueueTimeout = TimeSpan.FromSeconds(-1) }, "--queue-timeout: expected 0 or more seconds, got -1");
        yield return Case(o with { RequestTimeout = TimeSpan.Zero }, "--request-timeout: expected more than 0 seconds, got 0");
        yield return Case(o with { ReloadInterval = TimeSpan.FromSeconds(-5) }, "--reload-interval: expected 0 (off) or more seconds, got -5");
        yield return Case(o with { ShutdownTimeout = TimeSpan.FromSeconds(-1) }, "--shutdown-timeout: expected 0 or more seconds, got -1");
    }

    [TestCaseSource(nameof(OutOfRange))]
    public void A_value_out_of_range_is_refused_naming_its_option(ServeOptions options, string message)
    {
        Assert.That(options.Problems(), Is.EqualTo(new[] { message }));
    }

    [Test]
    public void The_server_refuses_to_start_on_a_non_loopback_host_without_the_flag()
    {
        var e = Assert.Throws<ArgumentException>(() => InferenceServer.Create(new ServeOptions(Host: "0.0.0.0", Port: 0, ModelsDirectory: "/nonexistent")));

        Assert.That(e!.Message, Does.StartWith("--host 0.0.0.0 is not a loopback address"));
    }
}

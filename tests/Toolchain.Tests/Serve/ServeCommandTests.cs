using System.CommandLine;
using NUnit.Framework;
using Toolchain.Serve;

namespace Toolchain.Tests.Serve;

/// <summary>
/// The command line maps every option onto <see cref="ServeOptions"/>, takes the token from the environment when
/// --token is absent, and refuses bad values with a message and exit code 1 before anything starts.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServeCommandTests
{
    [TearDown]
    public void ClearToken() => Environment.SetEnvironmentVariable(ServeOptions.TokenVariable, null);

    [Test]
    public async Task Every_option_reaches_the_server_options()
    {
        var (exit, options, _) = await Parse(
            "--host", "0.0.0.0", "--allow-remote", "--port", "9000", "--token", "abc", "--max-request-bytes", "2048",
            "--max-batch-size", "0", "--max-concurrency", "3", "--max-queue", "0", "--queue-timeout", "0.25",
            "--request-timeout", "2.5", "--allow-non-finite", "--reload-interval", "0", "--shutdown-timeout", "7");

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(options, Is.EqualTo(new ServeOptions("0.0.0.0", 9000)
        {
            AllowRemote = true, Token = "abc", MaxRequestBodyBytes = 2048, MaxBatchSize = 0, MaxConcurrency = 3, MaxQueue = 0,
            QueueTimeout = TimeSpan.FromMilliseconds(250), RequestTimeout = TimeSpan.FromSeconds(2.5), AllowNonFinite = true,
            ReloadInterval = TimeSpan.Zero, ShutdownTimeout = TimeSpan.FromSeconds(7),
        }));
    }

    [Test]
    public async Task No_options_give_the_defaults()
    {
        var (_, options, _) = await Parse();

        Assert.That(options, Is.EqualTo(new ServeOptions()));
    }

    [Test]
    public async Task The_token_comes_from_the_environment_unless_given()
    {
        Environment.SetEnvironmentVariable(ServeOptions.TokenVariable, "from-env");

        var (_, fromEnvironment, _) = await Parse();
        var (_, fromOption, _) = await Parse("--token", "from-option");

        Assert.That(fromEnvironment!.Token, Is.EqualTo("from-env"));
        Assert.That(fromOption!.Token, Is.EqualTo("from-option"));
    }

    [TestCase(new[] { "--host", "0.0.0.0" }, "toolchain-serve: --host 0.0.0.0 is not a loopback address")]
    [TestCase(new[] { "--max-concurrency", "0" }, "toolchain-serve: --max-concurrency: expected 1 or more, got 0")]
    [TestCase(new[] { "--request-timeout", "soon" }, "Cannot parse argument 'soon' for option '--request-timeout'")]
    [TestCase(new[] { "--queue-timeout", "1e9" }, "--queue-timeout: expected a number of seconds up to 86400, got 1000000000")]
    public async Task A_bad_value_exits_1_with_a_message_and_starts_nothing(string[] args, string message)
    {
        var (exit, options, errors) = await Parse(args);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(options, Is.Null, "the server must not be started");
        Assert.That(errors, Does.Contain(message));
    }

    private static async Task<(int Exit, ServeOptions? Options, string Errors)> Parse(params string[] args)
    {
        ServeOptions? seen = null;
        var command = ServeCommand.Create((options, _) =>
        {
            seen = options;
            return Task.FromResult(0);
        });
        var errors = new StringWriter();
        var exit = await command.Parse(args).InvokeAsync(new InvocationConfiguration { Error = errors, Output = new StringWriter() });
        return (exit, seen, errors.ToString());
    }
}

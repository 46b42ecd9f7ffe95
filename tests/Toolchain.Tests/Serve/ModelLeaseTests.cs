using Google.Protobuf;
using NUnit.Framework;
using Toolchain.Serve.Inference;
using Toolchain.Serve.Protocol;
using Toolchain.Serve.Repository;

namespace Toolchain.Tests.Serve;

/// <summary>
/// A request's lease keeps its model version's session alive across reloads: a version removed or replaced while
/// leased still runs for the holder, and its session is released only when the last lease is.
/// </summary>
[TestFixture]
public sealed class ModelLeaseTests
{
    private string root = null!;
    private ModelRepository repository = null!;

    [SetUp]
    public void LoadRepository()
    {
        root = Path.Combine(Path.GetTempPath(), "toolchain-lease-tests", Guid.NewGuid().ToString("N"));
        TestModels.Write(root, "classifier", 1, TestModels.Classifier(scale: 1f));
        TestModels.Write(root, "classifier", 2, TestModels.Classifier(scale: -3f));
        repository = ModelRepository.Load(root, ExecutionDevice.Cpu);
    }

    [TearDown]
    public void Remove()
    {
        repository.Dispose();
        Directory.Delete(root, recursive: true);
    }

    [Test]
    public void A_removed_version_runs_for_its_lease_holder_and_is_released_with_the_last_lease()
    {
        Assert.That(repository.TryAcquire("classifier", "2", out var lease, out var error), Is.True, error?.Message);
        var before = Logits(lease!.Model);

        Directory.Delete(Path.Combine(root, "classifier", "2"), recursive: true);
        var report = repository.Reload();

        Assert.That(report.Unloaded.Select(v => v.Version), Is.EqualTo(new long[] { 2 }));
        Assert.That(repository.TryAcquire("classifier", "2", out _, out var gone), Is.False);
        Assert.That(gone!.Unavailable, Is.False, "a removed version is simply not found");
        Assert.That(lease.Model.IsReleased, Is.False, "the session must outlive the reload while a request holds it");
        Assert.That(Logits(lease.Model), Is.EqualTo(before));

        lease.Dispose();
        Assert.That(lease.Model.IsReleased, Is.True, "the last lease out releases the retired session");
    }

    [Test]
    public void A_replaced_version_serves_new_requests_with_the_new_file_and_old_holders_with_the_old_one()
    {
        Assert.That(repository.TryAcquire("classifier", null, out var old, out _), Is.True);
        var oldLogits = Logits(old!.Model);

        var path = Path.Combine(root, "classifier", "2", "model.onnx");
        File.WriteAllBytes(path, TestModels.Classifier(scale: 5f).ToByteArray());
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        var report = repository.Reload();

        Assert.That(report.Loaded.Select(v => v.Version), Is.EqualTo(new long[] { 2 }));
        Assert.That(repository.TryAcquire("classifier", null, out var current, out _), Is.True);
        using (current)
        {
            Assert.That(current!.Model, Is.Not.SameAs(old.Model));
            Assert.That(Logits(current.Model), Is.Not.EqualTo(oldLogits));
        }
        Assert.That(Logits(old.Model), Is.EqualTo(oldLogits));
        old.Dispose();
        Assert.That(old.Model.IsReleased, Is.True);
    }

    [Test]
    public void An_unchanged_version_keeps_its_session_across_reloads()
    {
        Assert.That(repository.TryFind("classifier", "1", out var before, out _), Is.True);

        var report = repository.Reload();

        Assert.That(report.Changed, Is.False);
        Assert.That(repository.TryFind("classifier", "1", out var after, out _), Is.True);
        Assert.That(after, Is.SameAs(before));
        Assert.That(before!.IsReleased, Is.False);
    }

    [Test]
    public void Disposing_the_repository_keeps_leased_sessions_until_their_requests_finish()
    {
        Assert.That(repository.TryAcquire("classifier", "1", out var lease, out _), Is.True);

        repository.Dispose();

        Assert.That(lease!.Model.IsReleased, Is.False);
        Assert.That(Logits(lease.Model), Has.Length.EqualTo(3));
        lease.Dispose();
        Assert.That(lease.Model.IsReleased, Is.True);
    }

    private static float[] Logits(ModelVersion model)
    {
        var input = new InputTensor("pixels", DataType.UInt8, [1, 2, 2], new byte[] { 0, 64, 128, 255 });
        return (float[])model.Run([input], ["logits"], CancellationToken.None)[0].Data;
    }
}

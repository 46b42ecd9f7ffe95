using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using Toolchain.Graph;
using Toolchain.Train.Artifacts;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;
using Toolchain.Train.Training;

namespace Toolchain.Tests.Training;

/// <summary>
/// Parameters resident in an execution provider's memory (the CUDA path) must train exactly as host-resident ones.
/// CI has no GPU, so these run the same code over the CPU provider's memory; `toolchain-bench device-check` compares on CUDA.
/// </summary>
public sealed class DeviceMemoryTests
{
    [Test]
    public void A_tensor_uploaded_and_downloaded_comes_back_unchanged()
    {
        using var memory = new DeviceMemory("cpu");
        var values = Enumerable.Range(0, 12).Select(i => i * 0.5f - 3).ToArray();
        var tensor = memory.Allocate([3, 4]);
        memory.Upload(values, tensor);
        var back = new float[12];
        memory.Download(tensor, back);

        Assert.That(back, Is.EqualTo(values));
        Assert.That(tensor.Value.GetTensorTypeAndShape().Shape, Is.EqualTo(new long[] { 3, 4 }));
    }

    [Test]
    public void Steps_with_device_resident_parameters_match_steps_with_host_parameters()
    {
        var artifacts = Mlp();
        var host = Train(artifacts, device: null);
        using var memory = new DeviceMemory("cpu");
        var resident = Train(artifacts, memory);

        Assert.That(resident.Keys, Is.EquivalentTo(host.Keys));
        foreach (var (name, tensor) in host)
            Assert.That(resident[name].Data, Is.EqualTo(tensor.Data), name);
        Assert.That(host["fc1.weight"].Data, Is.Not.EqualTo(artifacts.InitialParameters["fc1.weight"].Data), "the steps changed the weights");
    }

    [Test]
    public void Running_statistics_cannot_be_set_from_the_host_when_parameters_are_device_resident()
    {
        var artifacts = Mlp();
        using var memory = new DeviceMemory("cpu");
        using var state = new ParameterState(artifacts.Manifest, artifacts.InitialParameters, null, memory);

        var error = Assert.Throws<InvalidOperationException>(() => state.SetCurrent("fc1.bias", new float[16]));
        Assert.That(error!.Message, Does.Contain("cpu memory"));
    }

    private static Dictionary<string, Toolchain.Checkpoints.FloatTensor> Train(TrainingArtifacts artifacts, DeviceMemory? device)
    {
        using var directory = new Support.TempDirectory();
        artifacts.Save(directory.Path);
        using var session = SessionFactory.Create(Path.Combine(directory.Path, ArtifactNames.TrainStepFile), device?.Device ?? "cpu", threads: 1);
        using var state = new ParameterState(artifacts.Manifest, artifacts.InitialParameters, null, device);
        using var runner = new TrainStepRunner(session, artifacts.Manifest, state, new Adam());
        var random = new Random(3);
        var features = Enumerable.Range(0, 64 * 20).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 64).Select(i => (float)(i % 4)).ToArray();
        var order = Enumerable.Range(0, 64).ToArray();
        for (int step = 1; step <= 6; step++)
        {
            var loss = runner.Step(features, labels, order.AsSpan((step - 1) % 4 * 16, 16), 0.01f, step, []);
            Assert.That(float.IsFinite(loss), $"step {step}: loss {loss}");
        }
        return state.Snapshot();
    }

    private static TrainingArtifacts Mlp()
    {
        var random = new Random(11);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var g = new GraphBuilder("forward");
        var x = g.Input("input", ElementType.Float, Dim.Named("N"), 20);
        var h = g.Relu(g.Gemm(x, g.Initializer(TensorProtos.Floats("fc1.weight", Values(16 * 20), 16, 20)),
            g.Initializer(TensorProtos.Floats("fc1.bias", Values(16), 16)), transB: true));
        g.Output(g.Gemm(h, g.Initializer(TensorProtos.Floats("fc2.weight", Values(4 * 16), 4, 16)),
            g.Initializer(TensorProtos.Floats("fc2.bias", Values(4), 4)), transB: true), "logits");
        return new ArtifactGenerator(new CrossEntropyLoss(), new Adam()).Generate(g.ToModel());
    }
}

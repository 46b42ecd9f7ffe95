namespace Toolchain.Train.Training;

/// <summary>Runs one optimizer step on a batch of samples and returns the batch's mean loss.</summary>
public interface IStepRunner : IDisposable
{
    /// <param name="indices">Which samples of <paramref name="features"/> form the batch.</param>
    /// <param name="step">1-based number of this optimizer update.</param>
    /// <param name="nextIndices">The batch the following step will ask for (empty when not known yet), to prepare it ahead.</param>
    float Step(float[] features, float[] labels, ReadOnlySpan<int> indices, float lr, long step, ReadOnlySpan<int> nextIndices);

    /// <summary>The global L2 norm of the last step's gradients (before clipping), where the graphs compute it.</summary>
    float? GradientNorm { get; }
}

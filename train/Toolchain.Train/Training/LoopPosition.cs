using System.Globalization;

namespace Toolchain.Train.Training;

/// <summary>Where the training loop stands: the epoch, the steps done in it and overall, and the epoch's running loss.</summary>
public sealed record LoopPosition
{
    public int Epoch { get; init; } = 1;
    public int EpochStep { get; set; }
    public long Step { get; set; }
    public double LossSum { get; set; }
    public long Samples { get; set; }

    /// <summary>After a completed epoch the run continues with the next one; after an interrupted one, at its next batch.</summary>
    public static LoopPosition From(ResumePoint resume, int stepsPerEpoch)
    {
        var meta = resume.Checkpoint.Metadata;
        int epochStep = resume.EpochStep;
        bool complete = epochStep >= stepsPerEpoch;
        return new LoopPosition
        {
            Epoch = complete ? resume.Epoch + 1 : resume.Epoch,
            EpochStep = complete ? 0 : epochStep,
            Step = resume.Step,
            LossSum = complete ? 0 : double.Parse(meta.GetValueOrDefault("epoch_loss_sum", "0"), CultureInfo.InvariantCulture),
            Samples = complete ? 0 : long.Parse(meta.GetValueOrDefault("epoch_samples", "0")),
        };
    }
}

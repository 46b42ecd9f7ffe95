namespace Toolchain.Train.Training;

/// <summary>The outcome of a training run, written to summary.json.</summary>
public sealed record TrainingSummary(
    string Model,
    string Device,
    int Epochs,
    long Steps,
    int BatchSize,
    double FinalTrainLoss,
    double FinalValLoss,
    double? FinalValAccuracy,
    double? BestValAccuracy,
    int BestEpoch,
    double SamplesPerSecond,
    double TrainingSeconds,
    string LatestCheckpoint,
    string BestCheckpoint,
    bool StoppedEarly,
    bool Interrupted,
    IReadOnlyList<EpochMetrics> History);

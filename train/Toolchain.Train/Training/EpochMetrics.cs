namespace Toolchain.Train.Training;

/// <summary>One line of metrics.jsonl: what an epoch achieved and how fast.</summary>
public sealed record EpochMetrics(
    int Epoch,
    long Step,
    double LearningRate,
    double TrainLoss,
    double ValLoss,
    double? ValAccuracy,
    double SamplesPerSecond,
    double EpochSeconds,
    string Checkpoint);

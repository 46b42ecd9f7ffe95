namespace Toolchain.Train.Training;

/// <summary>
/// Follows the monitored validation metric: which epoch is best (for best.safetensors) and whether
/// early stopping should end the run (no improvement larger than min_delta for patience epochs).
/// </summary>
public sealed class MetricMonitor(string metric, int patience, double minDelta)
{
    /// <summary>val_accuracy or val_loss; "auto" settles on the first observation (accuracy when the task has one).</summary>
    public string Metric { get; private set; } = metric;
    public bool HigherIsBetter => Metric != "val_loss";
    public double? Best { get; private set; }
    public int BestEpoch { get; private set; }
    public int EpochsWithoutImprovement { get; private set; }

    public double Score(EvaluationResult result)
    {
        if (Metric == "auto") Metric = result.Accuracy is null ? "val_loss" : "val_accuracy";
        return Metric == "val_accuracy" ? result.Accuracy ?? throw new InvalidOperationException("training.monitor is val_accuracy, but this task has no accuracy; use val_loss")
            : result.Loss;
    }

    /// <summary>Records an epoch's score; true when it is the best so far.</summary>
    public bool Observe(int epoch, double score)
    {
        bool improved = Best is not { } best || (HigherIsBetter ? score > best + minDelta : score < best - minDelta);
        bool isBest = Best is not { } b || (HigherIsBetter ? score > b : score < b);
        EpochsWithoutImprovement = improved ? 0 : EpochsWithoutImprovement + 1;
        if (isBest) (Best, BestEpoch) = (score, epoch);
        return isBest;
    }

    public bool ShouldStop => patience > 0 && EpochsWithoutImprovement >= patience;

    public void Restore(double? best, int bestEpoch, int epochsWithoutImprovement) =>
        (Best, BestEpoch, EpochsWithoutImprovement) = (best, bestEpoch, epochsWithoutImprovement);
}

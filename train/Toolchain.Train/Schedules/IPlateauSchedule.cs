namespace Toolchain.Train.Schedules;

/// <summary>
/// A schedule that also needs a validation metric (reduce-on-plateau): the trainer reports the metric
/// once per epoch, and the learning rate from then on is scaled by <see cref="CurrentFactor"/>.
/// Its progress is not a function of the step, so checkpoints carry <see cref="State"/>.
/// </summary>
public interface IPlateauSchedule
{
    /// <summary>The multiplier reductions have applied so far (1 until the first reduction).</summary>
    double CurrentFactor { get; }

    /// <summary>Reports the validation metric of one epoch; may reduce <see cref="CurrentFactor"/>.</summary>
    void Report(double metric);

    /// <summary>Everything <see cref="Report"/> has accumulated, to save in and restore from a checkpoint.</summary>
    PlateauState State { get; set; }
}

namespace Toolchain.Train.Schedules;

/// <summary>
/// A learning-rate schedule in closed form: the learning rate of the update at a global, 0-based
/// optimizer step. Resuming needs only the step. Schedules are separate from the optimizer; the
/// trainer feeds <c>At(step)</c> to the training graph's lr input. Epoch-based schedules know the
/// number of steps per epoch from construction and change the rate at epoch boundaries.
/// </summary>
public interface ILearningRateSchedule
{
    /// <param name="step">0-based count of optimizer updates done before this one.</param>
    double At(long step);
}

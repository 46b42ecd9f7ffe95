namespace Toolchain.Train.Schedules;

/// <summary>
/// The progress of a reduce-on-plateau schedule: the factor applied so far, the best metric seen
/// (null before the first report), epochs without improvement, and cooldown epochs left.
/// </summary>
public sealed record PlateauState(double Factor, double? Best, int BadEpochs, int CooldownLeft)
{
    public static readonly PlateauState Initial = new(1.0, null, 0, 0);
}

namespace Toolchain.Train.Training;

/// <summary>Where a run writes and how it reports, beside what the recipe says.</summary>
public sealed record TrainerOptions(string RunDirectory, string RecipeDirectory, TextWriter Output, bool Interactive = false,
    bool Resume = false, CancellationToken Cancellation = default);

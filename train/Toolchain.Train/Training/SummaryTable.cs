using Spectre.Console;

namespace Toolchain.Train.Training;

/// <summary>Prints the per-epoch table and the headline figures at the end of a run.</summary>
public sealed class SummaryTable(TextWriter output, bool interactive)
{
    public void Print(TrainingSummary summary)
    {
        var table = new Table().AddColumns("epoch", "train loss", "val loss", "val accuracy", "lr", "samples/s", "seconds");
        foreach (var e in summary.History)
            table.AddRow(e.Epoch.ToString(), e.TrainLoss.ToString("F4"), e.ValLoss.ToString("F4"),
                e.ValAccuracy?.ToString("F4") ?? "-", e.LearningRate.ToString("G4"), e.SamplesPerSecond.ToString("N0"), e.EpochSeconds.ToString("F1"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        console.Write(table);
        output.WriteLine($"Throughput: {summary.SamplesPerSecond:N0} samples/s (batch {summary.BatchSize}, {summary.Steps} steps, {summary.TrainingSeconds:F1}s of training)");
        output.WriteLine($"Best validation accuracy: {summary.BestValAccuracy?.ToString("F4") ?? "-"} at epoch {summary.BestEpoch}");
        output.WriteLine($"Checkpoints: {summary.LatestCheckpoint} (latest), {summary.BestCheckpoint} (best)");
    }
}

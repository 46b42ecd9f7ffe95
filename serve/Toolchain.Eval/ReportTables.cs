using System.Globalization;
using Spectre.Console;

namespace Toolchain.Eval;

/// <summary>Renders an <see cref="EvalReport"/> as console tables: summary, per-class scores, confusion matrix.</summary>
public static class ReportTables
{
    public static void Render(IAnsiConsole console, EvalReport report, string writtenTo)
    {
        var summary = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("").AddColumn("");
        summary.Title = new TableTitle($"[bold]{Markup.Escape(report.Model)}[/] version {Markup.Escape(report.ModelVersion)}");
        summary.AddRow("server", Markup.Escape(report.Url));
        summary.AddRow("data", Markup.Escape(report.Data));
        summary.AddRow("samples", report.Samples.ToString("N0", CultureInfo.InvariantCulture));
        summary.AddRow("[bold]accuracy[/]", $"[bold]{Percent(report.Accuracy)}[/]");
        summary.AddRow("macro precision / recall / F1", $"{Percent(report.MacroPrecision)} / {Percent(report.MacroRecall)} / {Percent(report.MacroF1)}");
        summary.AddRow("time", $"{report.Seconds.ToString("0.00", CultureInfo.InvariantCulture)} s ({report.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} images/s)");
        summary.AddRow("report", Markup.Escape(writtenTo));
        console.Write(summary);

        var perClass = new Table().Border(TableBorder.Rounded).Title("per class");
        perClass.AddColumn("class");
        perClass.AddColumn(new TableColumn("precision").RightAligned());
        perClass.AddColumn(new TableColumn("recall").RightAligned());
        perClass.AddColumn(new TableColumn("F1").RightAligned());
        perClass.AddColumn(new TableColumn("support").RightAligned());
        foreach (var c in report.PerClass)
            perClass.AddRow(Markup.Escape($"{c.Index} {c.Label}"), Percent(c.Precision), Percent(c.Recall), Percent(c.F1), c.Support.ToString(CultureInfo.InvariantCulture));
        console.Write(perClass);

        var matrix = new Table().Border(TableBorder.Rounded).Title("confusion matrix (rows: true class, columns: predicted class)");
        matrix.AddColumn("true \\ predicted");
        for (int c = 0; c < report.Labels.Count; c++) matrix.AddColumn(new TableColumn(c.ToString(CultureInfo.InvariantCulture)).RightAligned());
        for (int a = 0; a < report.ConfusionMatrix.Length; a++)
        {
            var row = report.ConfusionMatrix[a];
            var cells = new List<string> { Markup.Escape($"{a} {report.Labels[a]}") };
            cells.AddRange(row.Select((n, p) => p == a ? $"[green]{n}[/]" : n == 0 ? "[grey]0[/]" : n.ToString(CultureInfo.InvariantCulture)));
            matrix.AddRow(cells.ToArray());
        }
        console.Write(matrix);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";
}

using System.Diagnostics;

namespace Toolchain.Train.Training;

/// <summary>
/// A live progress line (epoch, step, loss, samples/s): redrawn in place on a terminal, printed
/// every few seconds when output goes to a file or pipe.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool interactive)
{
    private readonly Stopwatch sinceDraw = Stopwatch.StartNew();

    public void Update(int epoch, int epochs, int step, int steps, double loss, double samplesPerSecond)
    {
        var interval = interactive ? 0.2 : 5.0;
        if (step != steps && sinceDraw.Elapsed.TotalSeconds < interval) return;
        sinceDraw.Restart();
        var text = $"epoch {epoch}/{epochs}  step {step}/{steps}  loss {loss:F4}  {samplesPerSecond:N0} samples/s";
        if (interactive) output.Write($"\r{text}   ");
        else output.WriteLine(text);
    }

    public void Finish()
    {
        if (interactive) output.Write("\r" + new string(' ', 80) + "\r");
    }
}

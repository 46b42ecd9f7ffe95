namespace Toolchain.Eval;

/// <summary>One class's row of the evaluation report.</summary>
public sealed record ClassScores(int Index, string Label, double Precision, double Recall, double F1, long Support);

namespace Toolchain.Eval;

/// <summary>An evaluation that cannot go on: server unreachable or refusing, data unreadable, model unsuitable.</summary>
public sealed class EvalException(string message, Exception? inner = null) : Exception(message, inner);

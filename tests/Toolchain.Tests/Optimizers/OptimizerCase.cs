using Toolchain.Recipes;

namespace Toolchain.Tests.Optimizers;

/// <summary>One optimizer configuration as a recipe writes it, with the learning rate the test starts from.</summary>
public sealed record OptimizerCase(string Label, OptimizerSection Section, double Lr)
{
    public override string ToString() => Label;
}

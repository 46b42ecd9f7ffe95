using NUnit.Framework;
using Toolchain.Recipes;
using Toolchain.Tests.Optimizers.Reference;

namespace Toolchain.Tests.Optimizers;

/// <summary>
/// Every optimizer configuration the ONNX updates are checked against PyTorch's algorithm for, and the
/// independent reference implementation for each optimizer name. A name registered in
/// OptimizerFactory without a case here fails <c>Every_registered_optimizer_has_a_test_case</c>.
/// </summary>
internal static class OptimizerCases
{
    private static readonly Dictionary<string, Func<OptimizerSection, ReferenceOptimizer>> References = new()
    {
        ["sgd"] = o => new SgdReference(o),
        ["adam"] = o => new AdamReference(o, decoupled: false),
        ["adamw"] = o => new AdamReference(o, decoupled: true),
        ["adagrad"] = o => new AdagradReference(o),
        ["rmsprop"] = o => new RmsPropReference(o),
    };

    public static ReferenceOptimizer ReferenceFor(OptimizerSection section) =>
        References.TryGetValue(section.Name, out var make) ? make(section)
            : throw new InvalidOperationException($"no reference implementation for optimizer '{section.Name}'");

    public static readonly OptimizerCase[] Cases =
    [
        new("sgd", new() { Name = "sgd" }, 0.1),
        new("sgd weight_decay", new() { Name = "sgd", WeightDecay = 0.05 }, 0.1),
        new("sgd momentum (PyTorch form)", new() { Name = "sgd", Momentum = 0.9 }, 0.05),
        new("sgd momentum dampening", new() { Name = "sgd", Momentum = 0.8, Dampening = 0.3 }, 0.05),
        new("sgd momentum averaged (dampening = momentum)", new() { Name = "sgd", Momentum = 0.9, Dampening = 0.9 }, 0.05),
        new("sgd nesterov weight_decay", new() { Name = "sgd", Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 }, 0.05),
        new("adam", new() { Name = "adam" }, 0.05),
        new("adam betas eps weight_decay (L2)", new() { Name = "adam", Betas = [0.8, 0.95], Eps = 0.1, WeightDecay = 0.1 }, 0.05),
        new("adam amsgrad", new() { Name = "adam", Amsgrad = true, Betas = [0.9, 0.9] }, 0.05),
        new("adamw weight_decay (decoupled)", new() { Name = "adamw", WeightDecay = 0.1 }, 0.05),
        new("adamw amsgrad weight_decay", new() { Name = "adamw", Amsgrad = true, Betas = [0.85, 0.9], WeightDecay = 0.2 }, 0.05),
        new("adagrad", new() { Name = "adagrad", Eps = 1e-10 }, 0.1),
        new("adagrad lr_decay initial_accumulator_value weight_decay", new()
            { Name = "adagrad", LrDecay = 0.2, InitialAccumulatorValue = 0.5, Eps = 0.01, WeightDecay = 0.05 }, 0.1),
        new("rmsprop", new() { Name = "rmsprop" }, 0.01),
        new("rmsprop alpha eps weight_decay", new() { Name = "rmsprop", Alpha = 0.9, Eps = 0.1, WeightDecay = 0.05 }, 0.01),
        new("rmsprop momentum", new() { Name = "rmsprop", Momentum = 0.9 }, 0.01),
        new("rmsprop centered", new() { Name = "rmsprop", Alpha = 0.9, Centered = true }, 0.01),
        new("rmsprop centered momentum weight_decay", new()
            { Name = "rmsprop", Alpha = 0.9, Centered = true, Momentum = 0.7, WeightDecay = 0.05 }, 0.01),
    ];

    public static IEnumerable<TestCaseData> All() => Cases.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Label));
}

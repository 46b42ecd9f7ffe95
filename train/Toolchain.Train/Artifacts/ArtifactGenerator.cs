using System.Text.RegularExpressions;
using Toolchain.Checkpoints;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Onnx.Proto;
using Toolchain.Recipes;
using Toolchain.Train.Autodiff;
using Toolchain.Train.Losses;
using Toolchain.Train.Optimizers;

namespace Toolchain.Train.Artifacts;

/// <summary>
/// Generates the training artifacts from a forward model: the training graph (forward, loss and
/// gradients by reverse-mode autodiff), the optimizer graph, the eval graph, and the fused train
/// step (training + optimizer in one graph, so a step is one Run).
/// </summary>
/// <param name="gradientNorm">Whether the train step and optimizer graphs also output the global gradient norm before
/// clipping (one more pass over every gradient): the trainer asks for it where it acts on a non-finite norm.</param>
/// <param name="explicitBatchStatistics">Training-mode BatchNormalization as elementary ops, for CUDA (see <see cref="ExplicitBatchStatistics"/>).</param>
public sealed class ArtifactGenerator(ILoss loss, IOptimizer optimizer, IReadOnlyList<string>? trainablePatterns = null,
    WeightPenalty? penalty = null, GradientClipping? clipping = null, bool gradientNorm = false, bool explicitBatchStatistics = false)
{
    private readonly WeightPenalty penalty = penalty ?? WeightPenalty.None;
    private readonly GradientClipping clipping = clipping ?? GradientClipping.None;

    /// <summary>The generator a recipe describes, as the trainer uses it.</summary>
    public static ArtifactGenerator For(Recipe recipe, IOptimizer optimizer) =>
        // Skipping a step needs to know that its gradients are finite; stopping learns it from the next step's loss.
        new(LossFactory.Create(recipe.Loss), optimizer, recipe.Model.Trainable,
            new WeightPenalty(recipe.Regularization.L1, recipe.Regularization.L2, recipe.Regularization.ApplyToBiases),
            new GradientClipping(recipe.Clipping.Value, recipe.Clipping.MaxNorm), gradientNorm: recipe.Training.OnNonFinite == "skip",
            explicitBatchStatistics: recipe.Training.Device == "cuda");

    public TrainingArtifacts Generate(ModelProto forwardModel, string source = "forward model")
    {
        var forward = ForwardModel.Normalize(forwardModel, source);
        var graph = forward.Graph;
        if (graph.Input.Count == 0 || graph.Output.Count == 0)
            throw new OnnxFormatException($"forward model '{graph.Name}' needs at least one input and one output");
        var buffers = TrainingMode.Buffers(graph).Select(name => graph.Initializer.First(t => t.Name == name))
            .Select(t => new ParameterInfo(t.Name, t.Dims.ToArray(), Decays: false)).ToList();
        var parameters = SelectParameters(graph).Where(p => buffers.All(b => b.Name != p.Name)).ToList();
        if (parameters.Count == 0)
            throw new OnnxFormatException($"forward model '{graph.Name}' has no trainable float initializers" +
                (trainablePatterns is { Count: > 0 } ? $" matching {string.Join(", ", trainablePatterns)}" : ""));

        var training = BuildTrainingGraph(forward, parameters, buffers, withOptimizer: false, out var manifestLabels);
        var trainStep = BuildTrainingGraph(forward, parameters, buffers, withOptimizer: true, out _);
        var eval = BuildEvalGraph(forward, parameters, buffers);
        var optimizerGraph = BuildOptimizerGraph(parameters);
        var initial = graph.Initializer.Where(t => parameters.Concat(buffers).Any(p => p.Name == t.Name))
            .ToDictionary(t => t.Name, t => new FloatTensor(t.Dims.ToArray(), TensorProtos.ToFloats(t)));
        var sampleShape = GraphBuilder.TypeFromProto(graph.Input[0].Type)?.Shape?.Skip(1).Select(d => d.Size).ToArray() ?? [];
        var manifest = new ArtifactManifest(sampleShape, manifestLabels.Element, manifestLabels.Shape!.Skip(1).Select(d => d.Size).ToArray(),
            loss.Name, optimizer.Name, optimizer.StateNames, optimizer.StateNames.Select(optimizer.InitialState).ToList(), parameters, buffers)
        {
            OptimizerScalars = optimizer.ScalarNames,
            GradientNorm = gradientNorm,
        };
        return new TrainingArtifacts(forward, training, optimizerGraph, eval, trainStep, manifest, initial);
    }

    private List<ParameterInfo> SelectParameters(GraphProto graph)
    {
        var patterns = (trainablePatterns ?? []).Select(p => new Regex($"^(?:{p})$")).ToList();
        return graph.Initializer
            .Where(t => t.DataType == (int)ElementType.Float && t.Dims.Count > 0)
            .Where(t => patterns.Count == 0 || patterns.Any(r => r.IsMatch(t.Name)))
            // Weight decay applies to weights (rank ≥ 2), not to biases or normalisation scales.
            .Select(t => new ParameterInfo(t.Name, t.Dims.ToArray(), Decays: t.Dims.Count >= 2))
            .ToList();
    }

    /// <summary>
    /// The forward graph with parameters and buffers turned into graph inputs, ready to extend; in
    /// training form (see <see cref="TrainingMode"/>) the buffer updates become graph outputs.
    /// </summary>
    private (GraphBuilder Builder, Value Input, Value Output, List<Value> Parameters) OpenForward(ModelProto forward,
        IReadOnlyList<ParameterInfo> parameters, IReadOnlyList<ParameterInfo> buffers, string name, bool training)
    {
        var graph = forward.Graph.Clone();
        graph.Name = name;
        PoolBeforeRelu.Apply(graph);
        var output = new Value(graph.Output[0].Name);
        var declaredOutputType = GraphBuilder.TypeFromProto(graph.Output[0].Type);
        graph.Output.Clear();
        var bufferUpdates = training ? TrainingMode.Apply(graph, explicitBatchStatistics) : new Dictionary<string, string>();
        var trainable = parameters.Concat(buffers).Select(p => p.Name).ToHashSet();
        var moved = graph.Initializer.Where(t => trainable.Contains(t.Name)).ToList();
        foreach (var tensor in moved)
        {
            graph.Initializer.Remove(tensor);
            if (graph.Input.All(i => i.Name != tensor.Name))
                graph.Input.Add(GraphBuilder.ValueInfo(tensor.Name, new TensorType(ElementType.Float, tensor.Dims.Select(d => (Dim)d).ToArray())));
        }
        GraphValidator.SortTopologically(graph);
        var builder = GraphBuilder.Extend(graph);
        builder.Annotate(output, declaredOutputType);
        foreach (var b in buffers)
            if (bufferUpdates.TryGetValue(b.Name, out var update))
            {
                builder.Annotate(new Value(update), new TensorType(ElementType.Float, b.Shape.Select(d => (Dim)d).ToArray()));
                builder.Output(new Value(update));
            }
        return (builder, new Value(graph.Input[0].Name), output, parameters.Select(p => new Value(p.Name)).ToList());
    }

    private ModelProto BuildTrainingGraph(ModelProto forward, IReadOnlyList<ParameterInfo> parameters, IReadOnlyList<ParameterInfo> buffers,
        bool withOptimizer, out TensorType labelType)
    {
        var (g, _, output, values) = OpenForward(forward, parameters, buffers, withOptimizer ? "train_step" : "training", training: true);
        var outputType = g.TypeOf(output) ?? throw new OnnxFormatException($"cannot infer the type of the forward output '{output.Name}'");
        labelType = loss.LabelType(outputType);
        var labels = g.Input(ArtifactNames.Labels, labelType.Element, labelType.Shape!);
        var lossValue = penalty.AddTo(g, loss.Build(g, output, labels), parameters);
        var gradients = ReverseModeDifferentiator.Gradients(g, lossValue, values);
        g.Output(lossValue, ArtifactNames.Loss);
        if (!withOptimizer)
        {
            foreach (var p in parameters) g.Output(gradients[p.Name], ArtifactNames.Gradient(p.Name));
            g.RemoveUnused();
            return g.ToModel(docString: "Toolchain training graph: loss and gradients of every trainable parameter");
        }
        AddOptimizer(g, parameters, p => gradients[p.Name]);
        g.RemoveUnused();
        return g.ToModel(docString: $"Toolchain fused train step: loss, gradients and the {optimizer.Name} update in one graph");
    }

    private ModelProto BuildEvalGraph(ModelProto forward, IReadOnlyList<ParameterInfo> parameters, IReadOnlyList<ParameterInfo> buffers)
    {
        var (g, _, output, _) = OpenForward(forward, parameters, buffers, "eval", training: false);
        var labelType = loss.LabelType(g.TypeOf(output)!);
        var labels = g.Input(ArtifactNames.Labels, labelType.Element, labelType.Shape!);
        g.Output(loss.Build(g, output, labels), ArtifactNames.Loss);
        g.Output(output, ArtifactNames.Logits);
        g.RemoveUnused();
        return g.ToModel(docString: "Toolchain eval graph: loss and model outputs");
    }

    private ModelProto BuildOptimizerGraph(IReadOnlyList<ParameterInfo> parameters)
    {
        var g = new GraphBuilder("optimizer");
        var inputs = parameters.ToDictionary(p => p.Name, p => g.Input(p.Name, ElementType.Float, p.Shape.Select(d => (Dim)d).ToArray()));
        var gradients = parameters.ToDictionary(p => p.Name, p => g.Input(ArtifactNames.Gradient(p.Name), ElementType.Float, p.Shape.Select(d => (Dim)d).ToArray()));
        AddOptimizer(g, parameters, p => gradients[p.Name]);
        g.RemoveUnused();
        return g.ToModel(docString: $"Toolchain optimizer graph: one {optimizer.Name} update of every parameter");
    }

    /// <summary>Adds the step-scalar and state inputs and, per parameter, the update with outputs named "&lt;value&gt;.next".</summary>
    private void AddOptimizer(GraphBuilder g, IReadOnlyList<ParameterInfo> parameters, Func<ParameterInfo, Value> gradientOf)
    {
        var scalars = StepScalars.DeclareInputs(g, optimizer);
        var raw = parameters.Select(gradientOf).ToList();
        Value? norm = null;
        if (gradientNorm)
        {
            norm = GradientClipping.GlobalNorm(g, raw);
            g.Output(norm, ArtifactNames.GradientNorm);
        }
        var clipped = clipping.Apply(g, raw, clipping.Value > 0 ? null : norm);
        var states = parameters.Select(p => optimizer.StateNames
            .Select(s => g.Input(ArtifactNames.State(p.Name, s), ElementType.Float, p.Shape.Select(d => (Dim)d).ToArray())).ToList()).ToList();
        foreach (var group in SmallParameterGroups.Plan(parameters))
        {
            var members = group.Select(i => parameters[i]).ToList();
            var (nextParameters, nextStates) = UpdateGroup(g, members, group.Select(i => clipped[i]).ToList(), group.Select(i => states[i]).ToList(), scalars);
            for (int m = 0; m < members.Count; m++)
            {
                var type = new TensorType(ElementType.Float, members[m].Shape.Select(d => (Dim)d).ToArray());
                g.Annotate(nextParameters[m], type);
                g.Output(nextParameters[m], ArtifactNames.Next(members[m].Name));
                for (int k = 0; k < optimizer.StateNames.Count; k++)
                {
                    g.Annotate(nextStates[k][m], type);
                    g.Output(nextStates[k][m], ArtifactNames.Next(states[group[m]][k].Name));
                }
            }
        }
    }

    /// <summary>One optimizer update of one parameter, or of a group of small ones through one flat tensor (<see cref="SmallParameterGroups"/>).</summary>
    /// <returns>The next value of each member, and per state name the next state of each member.</returns>
    private (IReadOnlyList<Value> Parameters, IReadOnlyList<IReadOnlyList<Value>> States) UpdateGroup(GraphBuilder g, IReadOnlyList<ParameterInfo> members,
        IReadOnlyList<Value> gradients, IReadOnlyList<IReadOnlyList<Value>> states, StepScalars scalars)
    {
        if (members.Count == 1)
        {
            var single = optimizer.Update(g, new ParameterSlot(members[0].Name, new Value(members[0].Name), gradients[0], states[0], members[0].Decays), scalars);
            return ([single.Parameter], single.State.Select(next => (IReadOnlyList<Value>)[next]).ToList());
        }
        Value Flat(IReadOnlyList<Value> values) => SmallParameterGroups.Concatenate(g, values, members);
        var slot = new ParameterSlot(string.Join("+", members.Select(m => m.Name)), Flat(members.Select(m => new Value(m.Name)).ToList()), Flat(gradients),
            optimizer.StateNames.Select((_, k) => Flat(states.Select(s => s[k]).ToList())).ToList(), members[0].Decays);
        var update = optimizer.Update(g, slot, scalars);
        return (SmallParameterGroups.Split(g, update.Parameter, members), update.State.Select(next => SmallParameterGroups.Split(g, next, members)).ToList());
    }
}

package io.stevedore.builder.dockerfile;

import java.util.List;
import java.util.Optional;

/** A build stage: its FROM and the instructions after it, up to the next FROM. */
public record Stage(int index, Instruction.From from, List<Instruction> instructions) {
    public Stage {
        instructions = List.copyOf(instructions);
    }

    /** The {@code AS} name, lower-cased. */
    public Optional<String> name() {
        return Optional.ofNullable(from.alias());
    }
}

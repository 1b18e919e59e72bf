package io.stevedore.builder.dockerfile;

/** Thrown below the instruction level, where the line is not known; reported with it above. */
final class InvalidInstruction extends RuntimeException {
    InvalidInstruction(String reason) {
        super(reason, null, false, false);
    }
}

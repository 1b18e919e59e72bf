package io.stevedore.registry.gc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PacerTest {

    @Test
    void dutyCycleOutsideZeroToOneIsRefusedNamingTheSetting() {
        for (double wrong : new double[] {0, -0.5, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> new Pacer(wrong)).hasMessageContaining("registry.gc.duty-cycle");
        }
    }
}

from snippets.exercises import Verdict, checker


def test_a_verdict_reads_as_one_line():
    assert repr(Verdict(True, "same tokens as generate().")) == "Right. same tokens as generate()."
    assert repr(Verdict(False, "Hint: sort first.")) == "Not yet. Hint: sort first."


def test_an_error_in_the_answer_becomes_a_verdict_that_quotes_it():
    @checker
    def check_double(answer) -> Verdict:
        right = answer(2) == 4
        return Verdict(right, "doubles." if right else "Hint: multiply by 2.")

    assert check_double(lambda x: 2 * x) == Verdict(True, "doubles.")
    assert check_double(lambda x: x + 1) == Verdict(False, "Hint: multiply by 2.")
    assert check_double(lambda x: x / 0) == Verdict(
        False, "Your answer raised ZeroDivisionError: division by zero")
    assert check_double.__name__ == "check_double"

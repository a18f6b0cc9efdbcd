using Purple.Core.Execution;

namespace Purple.Core.Tests;

/// <summary>
/// The debts a batch thread (an I/O loop) pays at the end of its batches: paid once per debt, re-owed work paid for a
/// bounded number of rounds and then handed off, and nothing left owed when paying throws.
/// </summary>
public sealed class BatchThreadTests
{
    private sealed class Debt(Action? onPay = null) : IBatchDebt
    {
        public int Paid;
        public int HandedOff;

        public void Pay()
        {
            Paid++;
            onPay?.Invoke();
        }

        public void HandOff() => HandedOff++;
    }

    /// <summary>Thread-static state: each test runs on a thread of its own, never a pool thread that others reuse.</summary>
    private static void OnNewThread(Action body)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the test thread did not finish");
        if (failure is not null) throw new Xunit.Sdk.XunitException("on the batch thread: " + failure);
    }

    [Fact]
    public void Only_an_enlisted_thread_is_a_batch_thread()
    {
        OnNewThread(() =>
        {
            Assert.False(BatchThread.IsCurrent);
            BatchThread.Enlist();
            Assert.True(BatchThread.IsCurrent);
        });
        OnNewThread(() => Assert.False(BatchThread.IsCurrent));
    }

    [Fact]
    public void A_debt_owed_many_times_in_a_batch_is_paid_once_and_then_nothing_is_owed()
    {
        OnNewThread(() =>
        {
            BatchThread.Enlist();
            var debt = new Debt();
            for (int i = 0; i < 5; i++) BatchThread.Owe(debt);
            BatchThread.PayDebts();
            BatchThread.PayDebts();
            Assert.Equal((1, 0), (debt.Paid, debt.HandedOff));
        });
    }

    [Fact]
    public void Work_that_owes_again_while_paying_is_paid_for_eight_rounds_then_handed_off()
    {
        OnNewThread(() =>
        {
            BatchThread.Enlist();
            Debt? debt = null;
            debt = new Debt(() => BatchThread.Owe(debt!));
            BatchThread.Owe(debt);
            BatchThread.PayDebts();
            Assert.Equal((8, 1), (debt.Paid, debt.HandedOff));
            BatchThread.PayDebts();
            Assert.Equal(8, debt.Paid);
        });
    }

    [Fact]
    public void A_debt_whose_payment_throws_is_handed_off_and_the_error_surfaces()
    {
        OnNewThread(() =>
        {
            BatchThread.Enlist();
            var debt = new Debt(() => throw new InvalidOperationException("boom"));
            BatchThread.Owe(debt);
            Assert.Throws<InvalidOperationException>(BatchThread.PayDebts);
            Assert.Equal((1, 1), (debt.Paid, debt.HandedOff));
            BatchThread.PayDebts();
            Assert.Equal(1, debt.Paid);
        });
    }

    [Fact]
    public void Owing_a_second_kind_of_debt_hands_the_first_to_its_owner()
    {
        OnNewThread(() =>
        {
            BatchThread.Enlist();
            var first = new Debt();
            var second = new Debt();
            BatchThread.Owe(first);
            BatchThread.Owe(second);
            BatchThread.PayDebts();
            Assert.Equal((0, 1), (first.Paid, first.HandedOff));
            Assert.Equal((1, 0), (second.Paid, second.HandedOff));
        });
    }
}

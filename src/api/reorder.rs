//! A bounded reorder buffer: numbered items are requested in order, arrive in any order, and
//! leave strictly in order.
//!
//! A place is reserved for an item before it is requested ([`ReorderBuffer::reserve`] hands out
//! a [`Ticket`]), and the buffer never grants more places than its capacity counting both the
//! items still awaited and those waiting for an earlier one. So the capacity bounds what the
//! fan-out holds in memory and has in flight together, and an arrival always has its slot: a
//! ticket can only be used once, and only for the number it was issued for.

use std::collections::VecDeque;

/// The claim to one slot of a [`ReorderBuffer`], for one item number.
#[derive(Debug)]
pub(crate) struct Ticket {
    /// The item's number.
    number: u64,
}

impl Ticket {
    /// The number of the item this ticket is for.
    pub(crate) fn number(&self) -> u64 {
        self.number
    }
}

/// Items numbered from a first number, let out in that order.
#[derive(Debug)]
pub(crate) struct ReorderBuffer<T> {
    /// The number of the item that leaves next.
    next_out: u64,
    /// Slot `i` is item `next_out + i`: `None` while it is awaited. One slot per ticket.
    slots: VecDeque<Option<T>>,
    /// The most slots at once.
    capacity: usize,
}

impl<T> ReorderBuffer<T> {
    /// A buffer whose first item is `first`, holding at most `capacity` (at least 1) slots.
    pub(crate) fn new(first: u64, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            next_out: first,
            slots: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// The number the next [`Self::reserve`] would hand out.
    pub(crate) fn next_number(&self) -> u64 {
        self.next_out + self.slots.len() as u64
    }

    /// A slot for the next number, unless the buffer is full.
    pub(crate) fn reserve(&mut self) -> Option<Ticket> {
        if self.slots.len() >= self.capacity {
            return None;
        }
        let number = self.next_number();
        self.slots.push_back(None);
        Some(Ticket { number })
    }

    /// Puts an arrived item in its slot.
    pub(crate) fn fill(&mut self, ticket: Ticket, item: T) {
        // A live ticket's number is at least `next_out` (its slot has not left) and below
        // `next_out + slots.len()` (it was reserved), so the slot exists.
        let index = (ticket.number - self.next_out) as usize;
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Some(item);
        }
    }

    /// The next item in order with its number, if it has arrived.
    pub(crate) fn pop(&mut self) -> Option<(u64, T)> {
        if !matches!(self.slots.front(), Some(Some(_))) {
            return None;
        }
        let item = self.slots.pop_front().flatten()?;
        let number = self.next_out;
        self.next_out += 1;
        Some((number, item))
    }

    /// Slots in use: items awaited plus items waiting for an earlier one.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_arriving_out_of_order_leave_in_order() {
        let mut buffer = ReorderBuffer::new(3, 4);
        let tickets: Vec<Ticket> = (0..4).filter_map(|_| buffer.reserve()).collect();
        assert_eq!(
            tickets.iter().map(Ticket::number).collect::<Vec<_>>(),
            [3, 4, 5, 6]
        );
        let mut out = Vec::new();
        for ticket in tickets.into_iter().rev() {
            let number = ticket.number();
            buffer.fill(ticket, format!("item {number}"));
            while let Some(item) = buffer.pop() {
                out.push(item);
            }
        }
        assert_eq!(
            out,
            [
                (3, "item 3".to_owned()),
                (4, "item 4".to_owned()),
                (5, "item 5".to_owned()),
                (6, "item 6".to_owned())
            ]
        );
        assert_eq!(buffer.len(), 0);
        assert_eq!(buffer.next_number(), 7);
    }

    #[test]
    fn nothing_leaves_while_the_first_item_is_awaited() {
        let mut buffer = ReorderBuffer::new(0, 3);
        let first = buffer.reserve().expect("room");
        let second = buffer.reserve().expect("room");
        buffer.fill(second, 'b');
        assert_eq!(buffer.pop(), None);
        buffer.fill(first, 'a');
        assert_eq!(buffer.pop(), Some((0, 'a')));
        assert_eq!(buffer.pop(), Some((1, 'b')));
        assert_eq!(buffer.pop(), None);
    }

    #[test]
    fn the_buffer_never_grants_more_slots_than_its_capacity() {
        let mut buffer = ReorderBuffer::new(0, 2);
        let first = buffer.reserve().expect("room");
        let second = buffer.reserve().expect("room");
        assert!(buffer.reserve().is_none(), "a third slot was granted");
        // An item that arrived but waits for an earlier one still holds its slot.
        buffer.fill(second, 2);
        assert!(buffer.reserve().is_none());
        assert_eq!(buffer.len(), 2);
        buffer.fill(first, 1);
        assert_eq!(buffer.pop(), Some((0, 1)));
        let third = buffer
            .reserve()
            .expect("a slot left, so there is room again");
        assert_eq!(third.number(), 2);
        assert!(buffer.reserve().is_none());
    }

    #[test]
    fn a_zero_capacity_still_lets_one_item_through_at_a_time() {
        let mut buffer = ReorderBuffer::new(0, 0);
        let ticket = buffer.reserve().expect("one slot");
        assert!(buffer.reserve().is_none());
        buffer.fill(ticket, ());
        assert_eq!(buffer.pop(), Some((0, ())));
    }
}

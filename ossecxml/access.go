package ossecxml

import (
	"iter"
	"slices"
)

// Node is an element as OS_GetElementsbyNode returns it: its name,
// content and attributes, and its position.
type Node struct {
	doc *Document
	// Key is the element's index in Document.Items.
	Key int
	// Name is the element name.
	Name string
	// Content is the element content (the text after its last child).
	Content string
	// Attrs are the element's attributes, in order.
	Attrs []Attr
	// Pos is the position of the element's '<'; ContentPos where its
	// content starts.
	Pos        Pos
	ContentPos Pos
}

// Attr is an attribute of a Node.
type Attr struct {
	Name  string
	Value string
	// Pos is the position of the name; ValuePos the position of the
	// first byte of the value (after the quote).
	Pos      Pos
	ValuePos Pos
}

// Roots returns the top-level elements (OS_GetElementsbyNode(xml, NULL)).
// Variables (<var>) are not returned.
func (d *Document) Roots() []*Node {
	d.valid()
	return d.children(-1, nil)
}

// RootsIn is Roots with the nodes stored in buf, as ChildrenIn stores
// them.
func (d *Document) RootsIn(buf *Nodes) []*Node {
	d.valid()
	return d.children(-1, buf)
}

// RootsSeq yields the nodes Roots returns, one at a time, each stored
// in buf in place of the one before: a reader that is done with each
// root before the next allocates for one node and its attributes
// instead of for all (decoder.xml has 343 roots).
func (d *Document) RootsSeq(buf *Nodes) iter.Seq[*Node] {
	return func(yield func(*Node) bool) {
		d.valid()
		items := d.Items
		line := 0 // of the last position resolved: roots come in order
		for i := range items {
			it := &items[i]
			if it.Kind != KindElement || it.IsAttr || it.Depth != 0 {
				continue
			}
			na := 0
			for l := i + 1; l < len(items) && items[l].Kind == KindAttribute && items[l].Depth == 0; l++ {
				na++
			}
			buf.nodes = slices.Grow(buf.nodes[:0], 1)[:1]
			buf.attrs = slices.Grow(buf.attrs[:0], na)[:na]
			n := &buf.nodes[0]
			d.fill(n, i, 0, buf.attrs, &line)
			if !yield(n) {
				return
			}
			d.valid() // the loop's body must not have read another file
		}
	}
}

// Children returns the child elements of n (OS_GetElementsbyNode(xml, n)),
// nil when it has none.
func (n *Node) Children() []*Node {
	return n.doc.children(n.Key, nil)
}

// Nodes holds the nodes ChildrenIn returns, to be reused by the next call.
type Nodes struct {
	nodes []Node
	attrs []Attr
	out   []*Node
}

// ChildrenIn is Children with the nodes (and their attributes) stored in
// buf, in place of those of the previous call with buf, which are gone: a
// reader that reads each element's children in turn and keeps none of
// them allocates only for the largest (a stock load reads 1,126 rules
// and 343 decoders).
func (n *Node) ChildrenIn(buf *Nodes) []*Node {
	return n.doc.children(n.Key, buf)
}

// Attr returns the value of the first attribute called name (compared
// exactly) and whether there is one.
func (n *Node) Attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// DroppedText reports the position of the first non-blank text of n that
// os_xml dropped: text before one of n's child elements (Content is only
// the text after the last one). OSSEC never sees it; it is rarely meant.
func (n *Node) DroppedText() (Pos, bool) {
	n.doc.valid()
	o, ok := n.doc.dropped[n.Key]
	if !ok {
		return Pos{}, false
	}
	line := 0
	return n.doc.pos(o, &line), true
}

// HasChildren reports whether n has child elements (or variables), as
// Children would find them, without building them.
func (n *Node) HasChildren() bool {
	n.doc.valid()
	items := n.doc.Items
	d := items[n.Key].Depth
	for i := n.Key + 1; i < len(items); i++ {
		if items[i].IsAttr {
			continue
		}
		return items[i].Depth > d
	}
	return false
}

// fill sets n to the node of element i, of depth m, with its attributes
// stored at the start of attrs, and returns their number. *line is the
// index of the last line resolved (see pos).
func (d *Document) fill(n *Node, i int, m int32, attrs []Attr, line *int) int {
	items := d.Items
	it := &items[i]
	*n = Node{doc: d, Key: i, Name: it.Name, Content: it.Content, Pos: d.pos(int(it.pos), line), ContentPos: d.pos(int(it.contentPos), line)}
	k := 0
	for l := i + 1; l < len(items) && items[l].Kind == KindAttribute && items[l].Depth == m; l++ {
		a := &items[l]
		attrs[k] = Attr{Name: a.Name, Value: a.Content, Pos: d.pos(int(a.pos), line), ValuePos: d.pos(int(a.contentPos), line)}
		k++
	}
	if k > 0 {
		n.Attrs = attrs[:k:k]
	}
	return k
}

// Document returns the document n belongs to.
func (n *Node) Document() *Document { return n.doc }

// children follows OS_GetElementsbyNode: it returns the elements of depth
// m that follow key, stopping at the first element shallower than m; only
// the top-level scan goes on past shallower elements. Plain attributes of
// the same depth right after an element are its attributes. The nodes
// are stored in buf when it is not nil.
func (d *Document) children(key int, buf *Nodes) []*Node {
	d.valid()
	items := d.Items
	var i int
	var m int32
	if key >= 0 {
		m = items[key].Depth + 1
		i = key + 1
	}
	// Two passes: count, then fill one block of nodes and one of attributes.
	start := i
	nn, na := 0, 0
	for j := start; j < len(items); j++ {
		it := &items[j]
		if it.Kind == KindElement && !it.IsAttr {
			if it.Depth == m {
				nn++
				for l := j + 1; l < len(items) && items[l].Kind == KindAttribute && items[l].Depth == m; l++ {
					na++
				}
				continue
			}
			if it.Depth < m && key >= 0 {
				break
			}
		}
	}
	if nn == 0 {
		return nil
	}
	var b Nodes
	if buf != nil {
		b = *buf
	}
	// Every node and attribute up to nn and na is written below.
	b.nodes = slices.Grow(b.nodes[:0], nn)[:nn]
	b.attrs = slices.Grow(b.attrs[:0], na)[:na]
	b.out = slices.Grow(b.out[:0], nn)
	nodes, attrs, out := b.nodes, b.attrs, b.out
	line := 0 // of the last position resolved: items come in order
	for ; i < len(items); i++ {
		it := &items[i]
		if it.Kind != KindElement || it.IsAttr {
			continue
		}
		if it.Depth == m {
			n := &nodes[len(out)]
			attrs = attrs[d.fill(n, i, m, attrs, &line):]
			out = append(out, n)
			continue
		}
		if it.Depth < m && key >= 0 {
			break
		}
	}
	if buf != nil {
		*buf = b
	}
	return out
}
